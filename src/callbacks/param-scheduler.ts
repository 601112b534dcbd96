/** Hyperparameter scheduling, as the course's `ParamScheduler`. */
import { Callback } from '../core/callback.js';
import type { Sched } from '../core/optim/schedules.js';

/** Positions at which `beginFit` checks the schedules against the hyperparameter's range (0, 1/200, …, 1). */
const CHECK_POINTS = 200;

/**
 * `new ParamScheduler('lr', sched)` sets the optimizer's hyperparameter `pname` before every
 * training batch to `sched(fraction of training done)`. Give one schedule per parameter group for
 * discriminative values (`[bodySched, headSched]`); a count mismatch is an error at `beginFit`, and
 * so is a schedule that leaves the hyperparameter's range (checked at 201 positions, 0 … 1).
 */
export class ParamScheduler extends Callback {
  override order = 1;
  /** One schedule, or one per parameter group. */
  readonly scheds: Sched[];

  constructor(
    /** The hyperparameter scheduled (`lr`, `mom`, `beta1`, …). */
    readonly pname: string,
    sched: Sched | Sched[],
  ) {
    super();
    this.scheds = Array.isArray(sched) ? sched : [sched];
    if (this.scheds.length === 0) throw new RangeError(`ParamScheduler('${pname}'): needs at least one schedule`);
  }

  override beginFit(): void {
    const opt = this.run.learn.opt;
    opt.getHyper(this.pname); // throws naming the hyperparameters the optimizer has
    const n = opt.paramGroups.length;
    if (this.scheds.length !== 1 && this.scheds.length !== n) {
      throw new RangeError(`ParamScheduler('${this.pname}'): got ${this.scheds.length} schedules for ${n} parameter groups (give 1 or ${n})`);
    }
    // a value out of the hyperparameter's range fails now, not at the batch that reaches it
    for (let k = 0; k <= CHECK_POINTS; k++) {
      const pos = k / CHECK_POINTS;
      for (let i = 0; i < n; i++) {
        const v = (this.scheds[i] ?? this.scheds[0])(pos);
        opt.checkHyper(this.pname, v, `ParamScheduler('${this.pname}'): the schedule for group ${i} gives ${v} at position ${pos.toFixed(4)} of training`);
      }
    }
  }

  override beginBatch(): void {
    if (this.run.inTrain) this.setParam();
  }

  /** Apply the schedules at the current position. */
  setParam(): void {
    const opt = this.run.learn.opt;
    const pos = this.run.pctTrain;
    const values = opt.paramGroups.map((_, i) => (this.scheds[i] ?? this.scheds[0])(pos));
    values.forEach((v, i) => opt.checkHyper(this.pname, v, `ParamScheduler('${this.pname}'): the schedule for group ${i} gives ${v} at position ${pos.toFixed(4)} of training`));
    opt.setHyper(this.pname, values);
  }
}
