/** The browser's downloads, which Node has not: in a page `download-offer.browser.ts` takes this module's place. */

/**
 * Hand `blob` to the browser's downloads as `name`.
 * @throws Error in Node, naming where the file is (`path`).
 */
export function offerDownload(_blob: Blob, _name: string, path: string): void {
  throw new Error(`downloadFile: downloads are a browser's; in Node the file is already at '${path}'`);
}
