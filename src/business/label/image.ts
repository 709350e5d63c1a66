/**
 * @module GB 45438-2025 implicit labels in image file metadata (TC260-PG-20259A): the bare
 * seven-key Annex E object as the XMP property `TC260:AIGC` (namespace
 * `http://www.tc260.org.cn/ns/AIGC/1.0/`), in PNG an uncompressed `iTXt` chunk with keyword
 * `XML:com.adobe.xmp` (PNG 3rd ed. §11.3.3.4; some label readers reject compressed iTXt) and in
 * JPEG an APP1 segment `http://ns.adobe.com/xap/1.0/\0` (XMP spec part 3 §1.1.3). An existing XMP
 * packet is updated, not replaced; a file carries one label (§6.1). Readers also accept the PNG
 * `tEXt` keyword `AIGC` with the wrapped `{"AIGC":{…}}` form seen in the wild.
 */
import { AisfError } from '../../errors.js';
import { type ImplicitLabel, parseImplicitLabel } from './index.js';

/** The TC260 XMP namespace for AIGC labels. */
export const TC260_NS = 'http://www.tc260.org.cn/ns/AIGC/1.0/';
const XMP_KEYWORD = 'XML:com.adobe.xmp';
const JPEG_XMP_ID = 'http://ns.adobe.com/xap/1.0/\0';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks use it (ISO 3309 / ITU-T V.42; PNG 3rd ed. Annex D). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    c = (CRC_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const xmlUnescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');

const labelElement = (label: ImplicitLabel) =>
  `<TC260:AIGC>${xmlEscape(JSON.stringify(label))}</TC260:AIGC>`;
const description = (label: ImplicitLabel) =>
  `<rdf:Description rdf:about="" xmlns:TC260="${TC260_NS}">${labelElement(label)}</rdf:Description>`;

/** A fresh XMP packet holding only the label. */
export function xmpPacket(label: ImplicitLabel): string {
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${description(label)}</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
}

const ELEMENT_FORM = /<TC260:AIGC>([\s\S]*?)<\/TC260:AIGC>/;
const ATTRIBUTE_FORM = /TC260:AIGC="([^"]*)"/;

/** Puts the label into an existing packet: replaces a TC260:AIGC value or adds a Description. */
export function updateXmp(xmp: string, label: ImplicitLabel): string {
  const value = xmlEscape(JSON.stringify(label));
  if (ELEMENT_FORM.test(xmp)) return xmp.replace(ELEMENT_FORM, () => labelElement(label));
  if (ATTRIBUTE_FORM.test(xmp)) return xmp.replace(ATTRIBUTE_FORM, () => `TC260:AIGC="${value}"`);
  const end = xmp.lastIndexOf('</rdf:RDF>');
  if (end < 0) throw new AisfError('E_INPUT', 'the image has an XMP packet without rdf:RDF');
  return `${xmp.slice(0, end)}${description(label)}${xmp.slice(end)}`;
}

/** The label in an XMP packet (element or attribute form, bare or wrapped JSON), if any. */
export function labelFromXmp(xmp: string): ImplicitLabel | undefined {
  const m = ELEMENT_FORM.exec(xmp) ?? ATTRIBUTE_FORM.exec(xmp);
  return m ? parseImplicitLabel(xmlUnescape((m[1] ?? '').trim())) : undefined;
}

interface PngChunk {
  type: string;
  data: Buffer;
}

/** Splits a PNG into chunks, checking the signature, lengths and CRCs (bounded: no trust in lengths). */
function pngChunks(png: Uint8Array): PngChunk[] {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new AisfError('E_INPUT', 'not a PNG file (bad signature)');
  }
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new AisfError('E_INPUT', `PNG truncated at byte ${at}`);
    const length = buf.readUInt32BE(at);
    if (length > 0x7fffffff || at + 12 + length > buf.length) {
      throw new AisfError('E_INPUT', `PNG chunk at byte ${at} runs past the end of the file`);
    }
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    if (crc32(buf.subarray(at + 4, at + 8 + length)) !== buf.readUInt32BE(at + 8 + length)) {
      throw new AisfError('E_INPUT', `PNG chunk ${type} at byte ${at} has a bad CRC`);
    }
    chunks.push({ type, data });
    at += 12 + length;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR' || chunks[chunks.length - 1]?.type !== 'IEND') {
    throw new AisfError('E_INPUT', 'PNG must start with IHDR and end with IEND');
  }
  return chunks;
}

function chunkBytes({ type, data }: PngChunk): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** iTXt data: keyword, 0, compression flag 0, method 0, empty language, 0, empty translation, 0, text. */
function itxtXmp(xmp: string): Buffer {
  return Buffer.concat([
    Buffer.from(`${XMP_KEYWORD}\0\0\0\0\0`, 'latin1'),
    Buffer.from(xmp, 'utf8'),
  ]);
}

/** The XMP text of an uncompressed XMP iTXt chunk, or undefined for other chunks. */
function xmpOfItxt(chunk: PngChunk): string | undefined {
  if (chunk.type !== 'iTXt') return undefined;
  const prefix = Buffer.from(`${XMP_KEYWORD}\0`, 'latin1');
  if (!chunk.data.subarray(0, prefix.length).equals(prefix)) return undefined;
  if (chunk.data[prefix.length] !== 0) {
    throw new AisfError('E_INPUT', 'the PNG XMP chunk is compressed; not supported');
  }
  // After keyword\0: flag, method, language\0, translated keyword\0, text.
  let at = prefix.length + 2;
  at = chunk.data.indexOf(0, at) + 1;
  at = chunk.data.indexOf(0, at) + 1;
  return chunk.data.toString('utf8', at);
}

/**
 * Writes the implicit label into a PNG (new XMP iTXt chunk after IHDR, or the existing XMP packet
 * updated). Pixel data is untouched.
 *
 * @example
 * const labelled = labelPng(readFileSync('out.png'), buildImplicitLabel(config, undefined));
 */
export function labelPng(png: Uint8Array, label: ImplicitLabel): Buffer {
  const chunks = pngChunks(png);
  const existing = chunks.findIndex((c) => xmpOfItxt(c) !== undefined);
  if (existing >= 0) {
    const chunk = chunks[existing] as PngChunk;
    chunks[existing] = { type: 'iTXt', data: itxtXmp(updateXmp(xmpOfItxt(chunk) ?? '', label)) };
  } else {
    chunks.splice(1, 0, { type: 'iTXt', data: itxtXmp(xmpPacket(label)) });
  }
  // One label per file (§6.1): drop a raw tEXt AIGC label a generator left.
  const kept = chunks.filter(
    (c) => !(c.type === 'tEXt' && c.data.toString('latin1').startsWith('AIGC\0')),
  );
  return Buffer.concat([PNG_SIGNATURE, ...kept.map(chunkBytes)]);
}

/** Reads the implicit label of a PNG (XMP iTXt, or tEXt keyword AIGC), if any. */
export function readPngLabel(png: Uint8Array): ImplicitLabel | undefined {
  for (const chunk of pngChunks(png)) {
    const xmp = xmpOfItxt(chunk);
    if (xmp !== undefined) {
      const label = labelFromXmp(xmp);
      if (label) return label;
    }
    if (chunk.type === 'tEXt' && chunk.data.toString('latin1').startsWith('AIGC\0')) {
      return parseImplicitLabel(chunk.data.toString('latin1', 5));
    }
  }
  return undefined;
}

interface JpegSegment {
  marker: number;
  /** Everything after the 2-byte length (the payload). */
  data: Buffer;
}

/** Splits a JPEG's header segments up to SOS; returns them and the offset of SOS. */
function jpegSegments(jpeg: Uint8Array): { segments: JpegSegment[]; rest: Buffer } {
  const buf = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) {
    throw new AisfError('E_INPUT', 'not a JPEG file (no SOI marker)');
  }
  const segments: JpegSegment[] = [];
  let at = 2;
  for (;;) {
    if (at + 4 > buf.length) throw new AisfError('E_INPUT', `JPEG truncated at byte ${at}`);
    if (buf[at] !== 0xff) throw new AisfError('E_INPUT', `JPEG: no marker at byte ${at}`);
    const marker = buf[at + 1] as number;
    if (marker === 0xda) return { segments, rest: buf.subarray(at) };
    const length = buf.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > buf.length) {
      throw new AisfError('E_INPUT', `JPEG segment at byte ${at} runs past the end of the file`);
    }
    segments.push({ marker, data: buf.subarray(at + 4, at + 2 + length) });
    at += 2 + length;
  }
}

const isXmpSegment = (s: JpegSegment) =>
  s.marker === 0xe1 && s.data.toString('latin1', 0, JPEG_XMP_ID.length) === JPEG_XMP_ID;

function app1Xmp(xmp: string): JpegSegment {
  const data = Buffer.concat([Buffer.from(JPEG_XMP_ID, 'latin1'), Buffer.from(xmp, 'utf8')]);
  // Standard XMP in one APP1 segment: at most 65,533 payload bytes (XMP part 3 §1.1.3.1).
  if (data.length > 65_533)
    throw new AisfError('E_INPUT', 'the XMP packet exceeds one JPEG APP1 segment');
  return { marker: 0xe1, data };
}

/**
 * Writes the implicit label into a JPEG (APP1 XMP after JFIF/Exif, or the existing XMP updated).
 * Entropy-coded data is copied unchanged.
 *
 * @example
 * const labelled = labelJpeg(readFileSync('out.jpg'), buildImplicitLabel(config, undefined));
 */
export function labelJpeg(jpeg: Uint8Array, label: ImplicitLabel): Buffer {
  const { segments, rest } = jpegSegments(jpeg);
  const existing = segments.findIndex(isXmpSegment);
  if (existing >= 0) {
    const xmp = (segments[existing] as JpegSegment).data.toString('utf8', JPEG_XMP_ID.length);
    segments[existing] = app1Xmp(updateXmp(xmp, label));
  } else {
    // After APP0 (JFIF) and an Exif APP1, which readers expect first.
    let at = 0;
    while (at < segments.length && [0xe0, 0xe1].includes((segments[at] as JpegSegment).marker))
      at++;
    segments.splice(at, 0, app1Xmp(xmpPacket(label)));
  }
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  for (const s of segments) {
    const head = Buffer.alloc(4);
    head[0] = 0xff;
    head[1] = s.marker;
    head.writeUInt16BE(s.data.length + 2, 2);
    parts.push(head, s.data);
  }
  parts.push(rest);
  return Buffer.concat(parts);
}

/** Reads the implicit label of a JPEG (APP1 XMP), if any. */
export function readJpegLabel(jpeg: Uint8Array): ImplicitLabel | undefined {
  const xmp = jpegSegments(jpeg).segments.find(isXmpSegment);
  return xmp ? labelFromXmp(xmp.data.toString('utf8', JPEG_XMP_ID.length)) : undefined;
}

/** Labels a PNG or JPEG by its magic bytes. */
export function labelImage(bytes: Uint8Array, label: ImplicitLabel): Buffer {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return labelPng(bytes, label);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return labelJpeg(bytes, label);
  throw new AisfError(
    'E_INPUT',
    'only PNG and JPEG images can be labelled (GB 45438 file metadata)',
  );
}
