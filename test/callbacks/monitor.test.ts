/** The shared monitor: metric names checked against what callbacks publish, modes, improvements. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, Callback, AvgStatsCallback, Monitor, accuracy } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Monitor', () => {
  it("resolves 'auto' from the name as fastai does (loss / error lower, the rest higher)", () => {
    const mode = (n: string): string => new Monitor('t', n).mode;
    expect(['valid_loss', 'train_loss', 'valid_error_rate', 'valid_mse', 'valid_rmse', 'train_mae'].map(mode)).toEqual(Array(6).fill('min'));
    expect(['valid_accuracy', 'valid_f1_score', 'valid_top_5_accuracy', 'valid_precision'].map(mode)).toEqual(Array(4).fill('max'));
    expect(new Monitor('t', 'valid_loss', 'max').mode).toBe('max');
  });

  it('counts an improvement only beyond minDelta, and any finite value beats no best yet', () => {
    const lower = new Monitor('t', 'valid_loss', 'auto', 0.1);
    expect(lower.isBetter(0.95, 1)).toBe(false);
    expect(lower.isBetter(0.85, 1)).toBe(true);
    expect(lower.isBetter(5, null)).toBe(true);
    expect(lower.isBetter(5, NaN)).toBe(true);
    expect(lower.isBetter(NaN, 1)).toBe(false);
    const higher = new Monitor('t', 'valid_accuracy', 'auto', -0.01); // the sign of minDelta does not matter
    expect(higher.minDelta).toBe(0.01);
    expect(higher.isBetter(0.905, 0.9)).toBe(false);
    expect(higher.isBetter(0.92, 0.9)).toBe(true);
  });

  it('rejects bad modes and names, naming the owner', () => {
    expect(() => new Monitor('ReduceLROnPlateau', 'valid_loss', 'lowest' as 'min')).toThrow("ReduceLROnPlateau: mode must be 'min', 'max' or 'auto', got 'lowest'");
    expect(() => new Monitor('X', '')).toThrow(/X: monitor must be a metric name/);
  });

  it('checks the name against every callback that declares epoch metrics, and reads the epoch value', async () => {
    class Lr extends Callback {
      override order = 5;
      override epochMetricNames(): string[] {
        return ['lr'];
      }
      override afterEpoch(): void {
        this.run.epochMetrics.lr = this.run.learn.opt.getHyper('lr')[0];
      }
    }
    const seen: (number | undefined)[] = [];
    const lrMon = new Monitor('Probe', 'lr');
    const accMon = new Monitor('Probe', 'valid_accuracy');
    class Probe extends Callback {
      override order = 50;
      override beginFit(): void {
        lrMon.check(this.run);
        accMon.check(this.run);
        expect(() => new Monitor('Probe', 'valid_acc').check(this.run)).toThrow(
          "Probe: cannot monitor 'valid_acc' (available: train_loss, train_accuracy, valid_loss, valid_accuracy, lr)",
        );
      }
      override afterEpoch(): void {
        seen.push(lrMon.value(this.run), accMon.value(this.run));
      }
    }
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats, new Lr(), new Probe()] }).fit(2, tinyLearner(undefined, { lr: 0.05 }));
    expect(seen).toEqual([0.05, stats.history[0].valid[1], 0.05, stats.history[1].valid[1]]);
  });
});
