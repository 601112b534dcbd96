/** The callback every runner has: train/eval switching and progress counters. */
import { Callback } from './callback.js';

/**
 * As the course's `TrainEvalCallback`: puts the model in training mode for the training loop and
 * eval mode for validation, and keeps `run.nEpochs` (fractional epochs done) and `run.nIter`
 * (training batches done) up to date. Every `Runner` adds one; it runs first (`order` -10).
 */
export class TrainEvalCallback extends Callback {
  override order = -10;

  override beginFit(): void {
    this.run.nEpochs = 0;
    this.run.nIter = 0;
  }

  override beginEpoch(): void {
    this.run.nEpochs = this.run.epoch;
    this.run.learn.model.train();
    this.run.inTrain = true;
  }

  override afterBatch(): void {
    if (!this.run.inTrain) return;
    this.run.nEpochs += 1 / this.run.iters;
    this.run.nIter += 1;
  }

  override beginValidate(): void {
    this.run.learn.model.eval();
    this.run.inTrain = false;
  }
}
