// The page's state in the URL hash, so a view can be shared: `#/<view>?key=value&…`.
// Large values (pasted text, records) are deflate-compressed and base64url-encoded ("z…"),
// or only base64url-encoded ("b…") where CompressionStream is missing.

export const VIEWS = ['diagnose', 'smlog', 'backup', 'chains', 'rules'];
/** Values longer than this (encoded) are not put in the URL. */
export const MAX_SHARED = 200_000;

export function readHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const name = (q < 0 ? raw : raw.slice(0, q)) || 'diagnose';
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  return { view: VIEWS.includes(name) ? name : 'diagnose', params };
}

/** Replaces the hash without a new history entry (and without a hashchange event). */
export function writeHash(view, params) {
  const entries = Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== '');
  const qs = new URLSearchParams(entries).toString();
  const hash = `#/${view}${qs ? `?${qs}` : ''}`;
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

function toBase64Url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/** Encodes text for the URL. */
export async function pack(text) {
  const bytes = new TextEncoder().encode(text);
  if (typeof CompressionStream === 'function') {
    return `z${toBase64Url(await pipe(bytes, new CompressionStream('deflate-raw')))}`;
  }
  return `b${toBase64Url(bytes)}`;
}

/** Decodes what pack() produced; null when it is not valid. */
export async function unpack(value) {
  try {
    if (!value) return null;
    const bytes = fromBase64Url(value.slice(1));
    if (value[0] === 'z') return new TextDecoder().decode(await pipe(bytes, new DecompressionStream('deflate-raw')));
    if (value[0] === 'b') return new TextDecoder().decode(bytes);
  } catch {
    // a damaged or truncated link: ignore it
  }
  return null;
}
