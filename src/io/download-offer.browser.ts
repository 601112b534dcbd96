/** The page's downloads: a link to the `Blob` (`download` attribute) clicked for the user. */
import type * as NodeOffer from './download-offer.js';

export const offerDownload: typeof NodeOffer.offerDownload = (blob, name) => {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) throw new Error('downloadFile: a worker has no page to download from; call it from the page');
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  doc.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
};
