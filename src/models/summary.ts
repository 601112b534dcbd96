/** `summary(model, inputShape)`: per-layer output shapes and parameter counts, as `learner.summary()`. */
import { tf } from '../backend/tf.js';
import type { Module } from './module.js';
import { Sequential } from './sequential.js';
import { fmtShape } from './module-error.js';

/** One row of a summary: a layer's call. */
export interface SummaryRow {
  /** `ClassName-k`, k counting calls from 1 (the notebooks' `Conv2d-1`). */
  layer: string;
  /** The module's dotted path in the model (`layer1.0.conv1`). */
  path: string;
  /** The shape of the input of this call. */
  inputShape: number[];
  /** The shape this call returned. */
  outputShape: number[];
  /** Parameters the module owns directly (a leaf's weight and bias; a `BnLayer`'s `a` and `m`). */
  params: number;
}

/** What `summary` returns. */
export interface ModelSummary {
  /** One row per call of a leaf module (or of a module owning parameters), in call order. */
  rows: SummaryRow[];
  /** Elements of every parameter of the model (each counted once). */
  totalParams: number;
  /** Elements of the trainable parameters. */
  trainableParams: number;
  /** The table, as the notebooks print it. */
  toString(): string;
}

const ownParams = (m: Module): number => m.namedParameters().reduce((a, [n, v]) => (n.includes('.') ? a : a + v.size), 0);
const fmtInt = (n: number): string => n.toLocaleString('en-US');

/**
 * Run `model` once on zeros of `inputShape` (batch axis included, e.g. `[1, 32, 32, 3]`) in eval
 * mode, with a forward hook on every leaf module (and every module that owns parameters itself;
 * empty `Sequential`s — identities — are skipped), recording output shapes and parameter counts.
 * Each module's training flag is restored afterwards and every tensor is freed. A module called
 * twice gives two rows; totals count each parameter once.
 */
export function summary(model: Module, inputShape: readonly number[]): ModelSummary {
  const rows: SummaryRow[] = [];
  const modes = model.modules().map((m) => [m, m.training] as const);
  const unsubs: (() => void)[] = [];
  try {
    model.eval();
    for (const [path, m] of model.namedModules()) {
      const own = ownParams(m);
      const leaf = m.children().length === 0 && !(m instanceof Sequential);
      if (!leaf && own === 0) continue;
      unsubs.push(
        m.onForward((e) => {
          rows.push({ layer: `${m.constructor.name}-${rows.length + 1}`, path, inputShape: [...e.input.shape], outputShape: [...e.output.shape], params: own });
        }),
      );
    }
    tf.tidy(() => {
      model.forward(tf.zeros([...inputShape]));
    });
  } finally {
    for (const u of unsubs) u();
    for (const [m, t] of modes) m.training = t;
  }
  const params = model.parameters();
  const totalParams = params.reduce((a, p) => a + p.size, 0);
  const trainableParams = params.reduce((a, p) => a + (p.trainable ? p.size : 0), 0);
  return { rows, totalParams, trainableParams, toString: () => formatSummary(model, inputShape, rows, totalParams, trainableParams) };
}

function formatSummary(model: Module, inputShape: readonly number[], rows: SummaryRow[], total: number, trainable: number): string {
  const cells = rows.map((r) => [`${r.layer}${r.path ? ` (${r.path})` : ''}`, fmtShape(r.outputShape), fmtInt(r.params)]);
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => `${c[0].padEnd(w[0])}  ${c[1].padEnd(w[1])}  ${c[2].padStart(w[2])}`;
  const rule = (ch: string): string => ch.repeat(w[0] + w[1] + w[2] + 4);
  return [
    `${model.constructor.name} on input ${fmtShape(inputShape)}`,
    rule('='),
    line(head),
    rule('='),
    ...cells.map(line),
    rule('='),
    `Total params: ${fmtInt(total)}`,
    `Trainable params: ${fmtInt(trainable)}`,
    `Non-trainable params: ${fmtInt(total - trainable)}`,
  ].join('\n');
}
