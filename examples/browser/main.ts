/**
 * The browser demo (`npm run browser`): the course's BatchNorm convnet on the embedded MNIST digits,
 * trained in this tab with tfai — the same script as `npm start` in Node (examples/mnist-batchnorm.ts)
 * plus a live chart, the progress, the backend line, and the confusion matrix and top losses at the
 * end. Query options: `?backend=wasm&epochs=2&bs=64&seed=1&autostart=1`.
 *
 * `window.tfaiDemo` gives what a test checks: a promise of the outcome of the run that `autostart`
 * (or the Train button) began.
 */
import {
  initBackend, setSeed, loadMnist, getCnnModel, convLayer, initCnn, Learner, Runner, AvgStatsCallback,
  ParamScheduler, combineScheds, schedLin, accuracy, crossEntropy, sgd, Callback, ClassificationInterpretation,
  downloadFile, ProgressCallback, PageRenderer, PageFigureDisplay, setFigureDisplay, ImageDataBunch, augTransforms, tf, type BackendPreference, type DataBunch, type Sched,
} from 'tfai';
import { multiPanelLineChart, type Series } from 'tfai/plot';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const form = $<HTMLFormElement>('settings');
const stopButton = $<HTMLButtonElement>('stop');

/** The outcome a test reads. */
type Outcome = {
  backend: string;
  line: string;
  history: { epoch: number; train: number[]; valid: number[] }[];
  tensorsAfterEpoch: number[];
  error?: string;
};

/** Per-batch training loss and accuracy, read from the device every few batches (never synchronously). */
class LiveChart extends Callback {
  override order = 50;
  private pending: tf.Tensor[] = [];
  private readonly loss: number[] = [];
  private readonly acc: number[] = [];
  private readonly valid: { x: number; loss: number; acc: number }[] = [];
  private drawn = 0;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly el: HTMLElement) {
    super();
  }

  override beginFit(): void {
    this.loss.length = this.acc.length = this.valid.length = 0;
  }

  override afterBatch(): void {
    if (!this.run.inTrain) return;
    const { loss, pred, yb } = this.run;
    this.pending.push(tf.tidy(() => tf.stack([loss, tf.mean(tf.cast(tf.equal(tf.argMax(pred, -1), tf.cast(yb, 'int32')), 'float32'))])));
    if (this.pending.length >= 8) this.reading = this.reading.then(() => this.read());
  }

  override async afterEpoch(): Promise<void> {
    await (this.reading = this.reading.then(() => this.read()));
    const m = this.run.epochMetrics;
    this.valid.push({ x: this.loss.length, loss: Number(m.valid_loss), acc: Number(m.valid_accuracy) });
    this.draw();
  }

  override async afterFit(): Promise<void> {
    await this.reading;
    for (const t of this.pending.splice(0)) t.dispose();
  }

  private async read(): Promise<void> {
    const batch = this.pending.splice(0);
    if (!batch.length) return;
    const stacked = tf.stack(batch);
    tf.dispose(batch);
    const values = await stacked.data();
    stacked.dispose();
    for (let i = 0; i < values.length; i += 2) {
      this.loss.push(values[i]);
      this.acc.push(values[i + 1]);
    }
    if (performance.now() - this.drawn > 250) this.draw();
  }

  private draw(): void {
    this.drawn = performance.now();
    const smooth = (v: number[]): number[] => {
      let s = v[0] ?? 0;
      return v.map((x, i) => (s = i === 0 ? x : 0.9 * s + 0.1 * x));
    };
    const xs = this.loss.map((_, i) => i + 1);
    const panel = (title: string, yLabel: string, train: number[], valid: number[]): { title: string; xLabel: string; yLabel: string; series: Series[] } => ({
      title,
      xLabel: 'training batch',
      yLabel,
      series: [
        { name: 'train (smoothed)', x: xs, y: smooth(train) },
        ...(valid.length ? [{ name: 'valid', x: this.valid.map((v) => v.x), y: valid, style: { markers: 'all' as const, markerRadius: 4 } }] : []),
      ],
    });
    this.el.innerHTML = multiPanelLineChart({
      title: 'Training',
      panels: [panel('loss', 'cross-entropy', this.loss, this.valid.map((v) => v.loss)), panel('accuracy', 'accuracy', this.acc, this.valid.map((v) => v.acc))],
      columns: 2,
    });
  }
}

/** Counts the live tensors after each epoch (a test checks that the count stays flat). */
class TensorCount extends Callback {
  override order = 100;
  readonly counts: number[] = [];
  override afterEpoch(): void {
    this.counts.push(tf.memory().numTensors);
  }
}

let runner: Runner | null = null;
// tfai's figures (here the top losses) go under the confusion matrix
setFigureDisplay(new PageFigureDisplay($('top-losses')));
/** The backend line of the last run. */
let backendLine: { backend: string; line: string } | undefined;
const WEIGHTS_FILE = 'mnist-bn-cnn.safetensors';

/** The user's own images, when they chose or dropped a folder: files and their paths. */
let ownImages: { file: Blob; path: string }[] | null = null;

/** What to train on and how: the data, its class names, a few words for the page, and the lr schedule. */
type Task = { data: DataBunch; classes: readonly string[]; what: string; sched: Sched };

/**
 * The embedded digits with the course's schedule (0.6 → 2 → 0.1), or the user's images (labels from
 * their folders, 64 px, augmented): a batch small enough for at least four steps an epoch (at most
 * 32) and a gentler one-cycle (0.1 → 0.4 → 0.01), since a folder of a few dozen images gives a
 * handful of steps where the digits give hundreds.
 */
async function loadData(bs: number, seed: number): Promise<Task> {
  if (!ownImages) {
    const sched = combineScheds([0.3, 0.7], [schedLin(0.6, 2), schedLin(2, 0.1)]);
    return { data: await loadMnist({ bs, seed }), classes: Array.from({ length: 10 }, (_, i) => String(i)), what: 'the embedded digits', sched };
  }
  const small = Math.max(4, 2 ** Math.floor(Math.log2((0.8 * ownImages.length) / 4)));
  const data = ImageDataBunch.fromFiles(ownImages, { size: 64, bs: Math.min(bs, 32, small), seed, batchTfms: augTransforms(), normStats: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
  const sched = combineScheds([0.3, 0.7], [schedLin(0.1, 0.4), schedLin(0.4, 0.01)]);
  return { data, classes: data.classes, what: `your ${data.trainDl.nItems + data.validDl.nItems} images of ${data.classes.length} classes`, sched };
}

async function train(opts: { backend: BackendPreference; epochs: number; bs: number; seed: number }): Promise<Outcome> {
  const lines: string[] = [];
  const backend = await initBackend(opts.backend, { log: (l) => lines.push(l) });
  // initBackend says which backend and why the first time; a later run on the same one keeps that line
  const line = lines.join('\n') || (backendLine?.backend === backend ? backendLine.line : `tfai: backend ${backend}`);
  backendLine = { backend, line };
  $('backend').textContent = line;
  setSeed(opts.seed);
  const { data, classes, what, sched: lrSched } = await loadData(opts.bs, opts.seed);
  $('what').textContent = `Training on ${what}.`;
  const model = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
  initCnn(model);
  const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.4 });
  const stats = new AvgStatsCallback([accuracy], { print: false });
  const count = new TensorCount();
  const sched = new ParamScheduler('lr', lrSched);
  const progress = new ProgressCallback({ renderer: new PageRenderer($('progress')) });
  runner = new Runner({ cbs: [stats, sched, new LiveChart($('chart')), progress, count], log: (l) => progress.write(l) });
  stopButton.disabled = false;
  try {
    await runner.fit(opts.epochs, learn);
  } finally {
    stopButton.disabled = true;
  }
  const interp = await ClassificationInterpretation.fromLearner(learn, { classes });
  await showResults(interp);
  // the weights stay in this tab's files (IndexedDB) until the user downloads them
  const saved = await learn.save(WEIGHTS_FILE);
  $('saved').textContent = `Weights saved in this tab's storage as ${saved} (PyTorch names and layouts, safetensors).`;
  $<HTMLButtonElement>('download').hidden = false;
  const history = stats.history.map((h) => ({ epoch: h.epoch, train: [...h.train], valid: [...h.valid] }));
  model.dispose();
  data.dispose();
  return { backend, line, history, tensorsAfterEpoch: count.counts };
}

/** The confusion matrix, the most confused pairs and the top losses (pictures of the images) under the chart. */
async function showResults(interp: ClassificationInterpretation): Promise<void> {
  const m = interp.confusionMatrix();
  const names = interp.classes;
  const max = Math.max(...m.flat());
  const cell = (v: number, diag: boolean): string => `<td style="background:rgba(${diag ? '31,119,180' : '214,39,40'},${(v / max) ** 0.5});color:${v / max > 0.5 ? '#fff' : '#222'}">${v}</td>`;
  $('confusion').innerHTML =
    `<table class="confusion"><caption>Confusion matrix (rows: actual, columns: predicted)</caption><tr><th></th>${names.map((c) => `<th>${c}</th>`).join('')}</tr>` +
    m.map((row, i) => `<tr><th>${names[i]}</th>${row.map((v, j) => cell(v, i === j)).join('')}</tr>`).join('') +
    '</table>';
  const confused = interp.mostConfused(2).slice(0, 8);
  $('top-losses').innerHTML = `<p>Most confused (actual → predicted: count): ${confused.map((c) => `${c.actual} → ${c.predicted}: ${c.count}`).join(', ') || 'none twice'}</p>`;
  // fastai's plot_top_losses: the nine validation images the model is most wrong about, shown under it
  await interp.plotTopLosses(9);
  $('results').hidden = false;
}

function settings(params: URLSearchParams): { backend: BackendPreference; epochs: number; bs: number; seed: number } {
  return {
    backend: (params.get('backend') ?? 'auto') as BackendPreference,
    epochs: Number(params.get('epochs') ?? 2),
    bs: Number(params.get('bs') ?? 64),
    seed: Number(params.get('seed') ?? 1),
  };
}

function start(opts: ReturnType<typeof settings>): Promise<Outcome> {
  for (const el of Array.from(form.elements)) (el as HTMLInputElement).disabled = true;
  const done = train(opts).catch((e: unknown) => {
    console.error(e);
    $('backend').textContent += `\n${String((e as Error)?.message ?? e)}`;
    return { backend: '', line: '', history: [], tensorsAfterEpoch: [], error: String((e as Error)?.stack ?? e) };
  });
  (window as unknown as { tfaiDemo: { done: Promise<Outcome> } }).tfaiDemo = { done };
  return done;
}

const params = new URLSearchParams(location.search);
const initial = settings(params);
for (const [k, v] of Object.entries(initial)) (form.elements.namedItem(k) as HTMLInputElement).value = String(v);
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const fd = new FormData(form);
  // a page starts its backend once: the backend and thread count stay as first chosen
  void start(settings(new URLSearchParams(fd as unknown as Record<string, string>))).finally(() => {
    for (const el of Array.from(form.elements)) (el as HTMLInputElement).disabled = false;
  });
});
stopButton.addEventListener('click', () => runner?.requestInterrupt());
$('download').addEventListener('click', () => void downloadFile(WEIGHTS_FILE));
if (params.get('autostart') === '1') form.requestSubmit();

/** Every file under a dropped entry, with its path in the drop. */
async function filesOf(entry: FileSystemEntry): Promise<{ file: Blob; path: string }[]> {
  if (entry.isFile) return [{ file: await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail)), path: entry.fullPath }];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: { file: Blob; path: string }[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (!batch.length) return out;
    for (const e of batch) out.push(...(await filesOf(e)));
  }
}

/** The user's folder (chosen or dropped): train on it from now on. */
function useImages(files: { file: Blob; path: string }[]): void {
  ownImages = files;
  $('drop').textContent = `${files.length} files chosen — press Train (the labels are the images' folders)`;
}
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const entries = Array.from(e.dataTransfer?.items ?? [], (i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
  void Promise.all(entries.map(filesOf)).then((lists) => useImages(lists.flat()));
});
$<HTMLInputElement>('folder').addEventListener('change', (e) => {
  const files = Array.from((e.target as HTMLInputElement).files ?? []);
  useImages(files.map((f) => ({ file: f, path: f.webkitRelativePath || f.name })));
});
