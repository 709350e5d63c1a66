import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import {
  crc32,
  labelImage,
  labelJpeg,
  labelPng,
  readJpegLabel,
  readPngLabel,
  TC260_NS,
  updateXmp,
  xmpPacket,
} from './image.js';
import { buildImplicitLabel, LabelConfigSchema } from './index.js';

const config = LabelConfigSchema.parse({ producer: '001191110102MACQD9K64010000' });
const label = buildImplicitLabel(config, 'image-bytes', 'mj0abc-produce-1');
const other = buildImplicitLabel(config, 'image-bytes', 'mj0abc-produce-2');

function png(): Buffer {
  const image = new PNG({ width: 4, height: 3 });
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37) % 256;
  return PNG.sync.write(image);
}

function jpg(): Buffer {
  const data = Buffer.alloc(8 * 8 * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
  return Buffer.from(jpeg.encode({ data, width: 8, height: 8 }, 90).data);
}

const count = (haystack: Buffer, needle: string) =>
  haystack.toString('latin1').split(needle).length - 1;

describe('CRC-32 (PNG Annex D)', () => {
  it('matches the check value and zlib', () => {
    // The CRC-32 check value of "123456789" (ISO 3309 / the catalogue of CRC parameters).
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (d) => crc32(d) === zlibCrc32(d)));
  });
});

describe('GB 45438 implicit label in PNG metadata', () => {
  it('adds an uncompressed XMP iTXt chunk; pngjs still decodes the same pixels', () => {
    const original = png();
    const labelled = labelPng(original, label);
    // pngjs verifies every chunk CRC (checkCRC defaults to true).
    expect(PNG.sync.read(labelled).data).toEqual(PNG.sync.read(original).data);
    expect(readPngLabel(labelled)).toEqual(label);
    expect(readPngLabel(original)).toBeUndefined();
    expect(count(labelled, 'XML:com.adobe.xmp\0\0\0')).toBe(1);
    expect(labelled.toString('utf8')).toContain(TC260_NS);
    // The label sits before the image data, right after IHDR.
    expect(labelled.indexOf('iTXt')).toBeLessThan(labelled.indexOf('IDAT'));
  });

  it('relabelling updates the existing packet: still one label', () => {
    const twice = labelPng(labelPng(png(), label), other);
    expect(readPngLabel(twice)).toEqual(other);
    expect(count(twice, 'TC260:AIGC>')).toBe(2); // one open + one close tag
    expect(count(twice, 'XML:com.adobe.xmp')).toBe(1);
  });

  it('reads the tEXt AIGC form and replaces it by the XMP label', () => {
    const chunk = (type: string, data: Buffer) => {
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      out.write(type, 4, 'latin1');
      data.copy(out, 8);
      out.writeUInt32BE(zlibCrc32(out.subarray(4, 8 + data.length)), 8 + data.length);
      return out;
    };
    const original = png();
    const ihdrEnd = 8 + 12 + 13;
    const text = Buffer.from(`AIGC\0${JSON.stringify({ AIGC: other })}`, 'latin1');
    const withText = Buffer.concat([
      original.subarray(0, ihdrEnd),
      chunk('tEXt', text),
      original.subarray(ihdrEnd),
    ]);
    expect(readPngLabel(withText)).toEqual(other);
    const labelled = labelPng(withText, label);
    expect(readPngLabel(labelled)).toEqual(label);
    expect(count(labelled, 'tEXt')).toBe(0);
  });

  it('rejects a bad CRC, a truncated file and non-PNG input with E_INPUT', () => {
    const bad = Buffer.from(png());
    bad[bad.length - 20] = (bad[bad.length - 20] as number) ^ 0xff;
    expect(() => labelPng(bad, label)).toThrow(/CRC|past the end/);
    expect(() => labelPng(png().subarray(0, 40), label)).toThrow(AisfError);
    expect(() => labelImage(Buffer.from('GIF89a'), label)).toThrow(/PNG and JPEG/);
  });

  it('property: arbitrary bytes after the signature never crash with anything but E_INPUT', () => {
    const sig = png().subarray(0, 8);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        try {
          readPngLabel(Buffer.concat([sig, tail]));
        } catch (error) {
          expect(error).toBeInstanceOf(AisfError);
        }
      }),
    );
  });
});

describe('GB 45438 implicit label in JPEG metadata', () => {
  it('adds an APP1 XMP segment; jpeg-js still decodes the same pixels', () => {
    const original = jpg();
    const labelled = labelJpeg(original, label);
    expect(jpeg.decode(labelled).data).toEqual(jpeg.decode(original).data);
    expect(readJpegLabel(labelled)).toEqual(label);
    expect(readJpegLabel(original)).toBeUndefined();
    expect(count(labelled, 'http://ns.adobe.com/xap/1.0/\0')).toBe(1);
    // After the JFIF APP0 that jpeg-js writes first.
    expect(labelled.indexOf('JFIF')).toBeLessThan(labelled.indexOf('http://ns.adobe.com/xap'));
  });

  it('relabelling updates the existing segment', () => {
    const twice = labelImage(labelImage(jpg(), label), other);
    expect(readJpegLabel(twice)).toEqual(other);
    expect(count(twice, 'http://ns.adobe.com/xap/1.0/\0')).toBe(1);
  });

  it('property: arbitrary bytes after SOI never crash with anything but E_INPUT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        try {
          readJpegLabel(Buffer.concat([Buffer.from([0xff, 0xd8]), tail]));
        } catch (error) {
          expect(error).toBeInstanceOf(AisfError);
        }
      }),
    );
  });
});

describe('XMP', () => {
  it('keeps other properties of an existing packet and reads the attribute form', () => {
    const base =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>me</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>';
    const updated = updateXmp(base, label);
    expect(updated).toContain('<dc:creator>me</dc:creator>');
    expect(updated).toContain('&quot;ProduceID&quot;:&quot;mj0abc-produce-1&quot;');
    const attr = `<rdf:Description xmlns:TC260="${TC260_NS}" TC260:AIGC="${JSON.stringify(label).replaceAll('"', '&quot;')}"/>`;
    expect(updateXmp(attr, other)).toContain('mj0abc-produce-2');
    expect(xmpPacket(label).startsWith('<?xpacket begin="\uFEFF"')).toBe(true);
  });
});
