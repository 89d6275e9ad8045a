// Uploads of detection content: a zip as panther_analysis_tool builds it, or a directory the
// browser reads, zipped here. The API takes the zip base64-encoded.
import { zipSync, strToU8 } from 'fflate';

/** commonRoot returns the first path segment every path shares, or '' (a picked folder's name). */
export function commonRoot(paths: string[]): string {
  if (paths.length === 0) return '';
  const first = paths[0].split('/')[0];
  return paths.every((p) => p.includes('/') && p.split('/')[0] === first) ? first : '';
}

/** zipFiles zips files keyed by their path, dropping the shared top folder and hidden files. */
export function zipFiles(files: { path: string; data: Uint8Array }[]): Uint8Array {
  const root = commonRoot(files.map((f) => f.path));
  const entries: Record<string, Uint8Array> = {};
  for (const f of files) {
    const rel = root ? f.path.slice(root.length + 1) : f.path;
    if (rel.split('/').some((seg) => seg.startsWith('.') || seg === '__pycache__')) continue;
    entries[rel] = f.data;
  }
  // A fixed time keeps the archive the same for the same files.
  return zipSync(entries, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') });
}

export function toBase64(data: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < data.length; i += chunk) s += String.fromCharCode(...data.subarray(i, i + chunk));
  return btoa(s);
}

export { strToU8 };
