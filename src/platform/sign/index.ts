/**
 * @module Model signing and verification (TC260 seed 004 §3.1.3(a) supply chain): a SHA-256
 * manifest of every file of a model folder, in the OpenSSF model-signing v1.0 layout (in-toto
 * Statement v1, predicate `https://model_signing/signature/v1.0`, serialization `files`), wrapped
 * in a DSSE envelope signed with an Ed25519 (or ECDSA P-256/384) key from node:crypto, stored as a
 * Sigstore-bundle-shaped JSON file (`model.sig`) whose `publicKey.hint` is the SHA-256 of the SPKI.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { AisfError } from '../../errors.js';

/** In-toto statement type. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** OpenSSF model-signing v1.0 predicate type. */
export const PREDICATE_TYPE = 'https://model_signing/signature/v1.0';
/** DSSE payload type of in-toto statements. */
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Sigstore bundle media type (the container model_signing writes). */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Default signature file name, as in model_signing. */
export const DEFAULT_SIGNATURE_NAME = 'model.sig';

/** One file of the manifest. */
export interface ManifestResource {
  name: string;
  algorithm: 'sha256';
  digest: string;
}

/** The in-toto statement signed. */
export interface ModelStatement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof PREDICATE_TYPE;
  predicate: {
    serialization: {
      method: 'files';
      hash_type: 'sha256';
      allow_symlinks: false;
      ignore_paths: string[];
    };
    resources: ManifestResource[];
  };
}

/** The signature file. */
export interface SignatureBundle {
  mediaType: typeof BUNDLE_MEDIA_TYPE;
  verificationMaterial: { publicKey: { hint: string } };
  dsseEnvelope: {
    payload: string;
    payloadType: string;
    signatures: { sig: string; keyid: string }[];
  };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Lists the files of a model folder as posix paths (sorted); `.git*` and the signature are ignored, symlinks rejected. */
export function modelFiles(dir: string, ignore: readonly string[]): string[] {
  const root = resolve(dir);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const rel = relative(root, full).split(sep).join('/');
      if (name.startsWith('.git') || ignore.includes(rel)) continue;
      const st = lstatSync(full);
      if (st.isSymbolicLink()) {
        throw new AisfError(
          'E_INPUT',
          `${rel} is a symbolic link; model signing v1.0 rejects symlinks (allow_symlinks: false) — replace it with the file`,
        );
      }
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) out.push(rel);
    }
  };
  walk(root);
  return out.sort();
}

/** SHA-256 manifest of a folder, and the subject digest (SHA-256 over the resource digests in order). */
export async function buildManifest(
  dir: string,
  ignore: readonly string[] = [DEFAULT_SIGNATURE_NAME],
): Promise<ModelStatement> {
  const resources: ManifestResource[] = [];
  for (const name of modelFiles(dir, ignore)) {
    resources.push({ name, algorithm: 'sha256', digest: await sha256File(join(dir, name)) });
  }
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: basename(resolve(dir)), digest: { sha256: subjectDigest(resources) } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: {
        method: 'files',
        hash_type: 'sha256',
        allow_symlinks: false,
        ignore_paths: [...ignore],
      },
      resources,
    },
  };
}

/** The v1.0 subject digest: SHA-256 of the concatenated raw resource digests, sorted by name. */
export function subjectDigest(resources: readonly ManifestResource[]): string {
  const hash = createHash('sha256');
  for (const r of [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
    hash.update(Buffer.from(r.digest, 'hex'));
  return hash.digest('hex');
}

/** DSSE pre-authentication encoding (DSSE v1 protocol). */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

function keyHint(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function digestFor(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') return null;
  if (key.asymmetricKeyType === 'ec') return 'sha256';
  throw new AisfError(
    'E_INPUT',
    `unsupported key type ${key.asymmetricKeyType}; use an Ed25519 or ECDSA key (openssl genpkey -algorithm ed25519)`,
  );
}

function readKey(path: string, kind: 'private' | 'public'): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `cannot read ${kind} key ${path}`, { cause });
  }
  try {
    return kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (cause) {
    throw new AisfError(
      'E_INPUT',
      `${path} is not a PEM ${kind} key; create one with \`openssl genpkey -algorithm ed25519 -out k.pem\` and \`openssl pkey -in k.pem -pubout -out k.pub\``,
      { cause },
    );
  }
}

/**
 * Signs a model folder: writes `<dir>/model.sig` (or `out`) and returns the bundle.
 * @example await signModel('models/resnet', 'k.pem');
 */
export async function signModel(
  dir: string,
  keyPath: string,
  out?: string,
): Promise<{ bundle: SignatureBundle; path: string; statement: ModelStatement }> {
  const key = readKey(keyPath, 'private');
  const sigPath = out ?? join(dir, DEFAULT_SIGNATURE_NAME);
  const rel = relative(resolve(dir), resolve(sigPath)).split(sep).join('/');
  const statement = await buildManifest(dir, rel.startsWith('..') ? [] : [rel]);
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  const sig = sign(digestFor(key), pae(PAYLOAD_TYPE, payload), key);
  const bundle: SignatureBundle = {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: keyHint(createPublicKey(key)) } },
    dsseEnvelope: {
      payload: payload.toString('base64'),
      payloadType: PAYLOAD_TYPE,
      signatures: [{ sig: sig.toString('base64'), keyid: '' }],
    },
  };
  writeFileSync(sigPath, `${JSON.stringify(bundle, null, 2)}\n`);
  return { bundle, path: sigPath, statement };
}

/** One difference between the signed manifest and the folder. */
export interface VerifyProblem {
  path: string;
  problem: 'modified' | 'missing' | 'unsigned' | 'signature' | 'manifest';
  message: string;
}

/** Result of verifyModel. */
export interface VerifyResult {
  ok: boolean;
  files: number;
  problems: VerifyProblem[];
  subject: string | null;
}

/**
 * Verifies a signed model folder: the DSSE signature with `pubPath`, the subject digest, and
 * every file's SHA-256 (modified, missing and added files are all failures).
 * @example const { ok, problems } = await verifyModel('models/resnet', 'k.pub');
 */
export async function verifyModel(
  dir: string,
  pubPath: string,
  signature?: string,
): Promise<VerifyResult> {
  const key = readKey(pubPath, 'public');
  const sigPath = signature ?? join(dir, DEFAULT_SIGNATURE_NAME);
  let bundle: SignatureBundle;
  try {
    bundle = JSON.parse(readFileSync(sigPath, 'utf8')) as SignatureBundle;
  } catch (cause) {
    throw new AisfError(
      'E_INPUT',
      `cannot read the signature ${sigPath}; sign the folder first with \`aisf sign ${dir} --key k.pem\``,
      { cause },
    );
  }
  const env = bundle?.dsseEnvelope;
  if (
    bundle?.mediaType !== BUNDLE_MEDIA_TYPE ||
    typeof env?.payload !== 'string' ||
    !Array.isArray(env.signatures) ||
    env.payloadType !== PAYLOAD_TYPE
  ) {
    throw new AisfError(
      'E_INPUT',
      `${sigPath} is not a model signature bundle (mediaType ${BUNDLE_MEDIA_TYPE} with a DSSE envelope)`,
    );
  }
  const problems: VerifyProblem[] = [];
  const payload = Buffer.from(env.payload, 'base64');
  const good = env.signatures.some((s) => {
    try {
      return verify(
        digestFor(key),
        pae(env.payloadType, payload),
        key,
        Buffer.from(s.sig, 'base64'),
      );
    } catch {
      return false;
    }
  });
  if (!good) {
    problems.push({
      path: sigPath,
      problem: 'signature',
      message:
        'the signature does not verify with this public key (wrong key or tampered manifest)',
    });
    return { ok: false, files: 0, problems, subject: null };
  }
  if (bundle.verificationMaterial?.publicKey?.hint !== keyHint(key)) {
    problems.push({
      path: sigPath,
      problem: 'signature',
      message: 'publicKey.hint does not match the public key',
    });
  }
  let statement: ModelStatement;
  try {
    statement = JSON.parse(payload.toString('utf8')) as ModelStatement;
  } catch (cause) {
    throw new AisfError('E_INPUT', `${sigPath}: the signed payload is not JSON`, { cause });
  }
  if (
    statement._type !== STATEMENT_TYPE ||
    statement.predicateType !== PREDICATE_TYPE ||
    !Array.isArray(statement.predicate?.resources)
  ) {
    throw new AisfError('E_INPUT', `${sigPath}: payload is not a model-signing v1.0 statement`);
  }
  const resources = statement.predicate.resources;
  const subject = statement.subject?.[0]?.digest?.sha256 ?? null;
  if (subject !== subjectDigest(resources)) {
    problems.push({
      path: sigPath,
      problem: 'manifest',
      message: 'subject digest does not match the resources (v1.0 verifiers must reject this)',
    });
  }
  const ignore = statement.predicate.serialization?.ignore_paths ?? [];
  const sigRel = relative(resolve(dir), resolve(sigPath)).split(sep).join('/');
  const present = new Set(modelFiles(dir, [...ignore, sigRel]));
  for (const r of resources) {
    if (!present.has(r.name)) {
      problems.push({ path: r.name, problem: 'missing', message: 'signed file is missing' });
      continue;
    }
    present.delete(r.name);
    if ((await sha256File(join(dir, r.name))) !== r.digest) {
      problems.push({
        path: r.name,
        problem: 'modified',
        message: 'SHA-256 differs from the signed manifest',
      });
    }
  }
  for (const extra of present)
    problems.push({
      path: extra,
      problem: 'unsigned',
      message: 'file is not in the signed manifest',
    });
  return { ok: problems.length === 0, files: resources.length, problems, subject };
}
