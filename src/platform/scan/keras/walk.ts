/**
 * @module The Keras config walker shared by `.keras` (config.json), HDF5 (`model_config`),
 * SavedModel (`keras_metadata.pb`) and TF.js (`modelTopology`): Lambda layers (serialized Python
 * bytecode, CVE-2024-3660), TFOpLambda, TorchModuleWrapper (CVE-2025-49655), module references
 * outside keras/tf/numpy (safe_mode bypass CVE-2025-1550), `get_file` URLs (CVE-2025-8747) and
 * `enable_unsafe_deserialization` (CVE-2025-9906). Rules after modelaudit's keras scanners.
 */
import { isObject, type Json } from '../json.js';
import type { ScanSession } from '../session.js';
import type { ScanLocation } from '../types.js';

/** Module roots a Keras config may reference (modelaudit's allow-list). */
export const KERAS_MODULE_ROOTS = new Set([
  'keras',
  'tensorflow',
  'tf_keras',
  'tf',
  'numpy',
  'math',
]);

/** Module roots that mean code execution when deserialised (modelaudit's config deny-list). */
const DANGEROUS_ROOTS = new Set([
  'os',
  'sys',
  'subprocess',
  'builtins',
  '__builtin__',
  'importlib',
  'shutil',
  'socket',
  'http',
  'pickle',
  'marshal',
  'ctypes',
  'code',
  'codeop',
  'compileall',
  'runpy',
  'webbrowser',
  'tempfile',
  'signal',
  'multiprocessing',
  'threading',
  'pty',
  'commands',
  'pdb',
  'profile',
  'trace',
  'pip',
  'setuptools',
  'distutils',
  'posix',
  'nt',
  'urllib',
  'requests',
  'dill',
  'cloudpickle',
  'torch',
]);

/** TF functions a TFOpLambda could call that touch files or run Python. */
const DANGEROUS_TF_FUNCTIONS =
  /^(io\.|raw_ops\.(ReadFile|WriteFile|PyFunc|EagerPyFunc|PyFuncStateless)|py_function|numpy_function|compat\.v1\.(py_func|io)|debugging\.experimental|summary\.|print$|data\.experimental\.load|saved_model\.)/;

const LAMBDA_CLASSES = new Set(['Lambda', 'CallbackLambda', 'PyFunc', 'PyFunction']);

/** Walks a Keras config (any nesting) and reports the findings. */
export function walkKerasConfig(
  session: ScanSession,
  root: Json,
  location: ScanLocation,
  rawText?: string,
): void {
  if (rawText !== undefined) {
    if (/enable_unsafe_deserialization/.test(rawText)) {
      session.report(
        'scan.keras.unsafe-deserialization',
        'critical',
        'config calls enable_unsafe_deserialization (turns safe_mode off; CVE-2025-9906)',
        location,
      );
    }
    if (/get_file/.test(rawText) && /(https?|ftp):\/\//i.test(rawText)) {
      session.report(
        'scan.keras.remote-file',
        'high',
        'config references keras.utils.get_file with a URL (downloads on load; CVE-2025-8747)',
        location,
      );
    }
  }
  let nodes = 0;
  const visit = (node: Json, path: string, depth: number): void => {
    if (++nodes > 2_000_000 || depth > 200) return;
    if (Array.isArray(node)) {
      for (const [i, v] of node.entries()) visit(v, `${path}[${i}]`, depth + 1);
      return;
    }
    if (!isObject(node)) {
      if (typeof node === 'string' && /^(https?|ftp):\/\//i.test(node)) {
        session.report(
          'scan.keras.url',
          'medium',
          `config holds a URL at ${path.slice(0, 200)}`,
          location,
          { url: node.slice(0, 200) },
        );
      }
      return;
    }
    const cls = typeof node.class_name === 'string' ? node.class_name : undefined;
    const config = node.config;
    const name = isObject(config) && typeof config.name === 'string' ? config.name : path;
    if (cls && LAMBDA_CLASSES.has(cls)) {
      const fn = isObject(config) ? config.function : undefined;
      const fnType = isObject(config) ? config.function_type : undefined;
      const hasCode =
        (isObject(fn) &&
          (fn.class_name === '__lambda__' ||
            (isObject(fn.config) && typeof fn.config.code === 'string'))) ||
        (Array.isArray(fn) && typeof fn[0] === 'string' && (fn[0] as string).length > 16) ||
        fnType === 'lambda';
      session.report(
        hasCode ? 'scan.keras.lambda-code' : 'scan.keras.lambda',
        hasCode ? 'critical' : 'high',
        hasCode
          ? `${cls} layer ${JSON.stringify(name.slice(0, 80))} carries serialized Python bytecode, run on load (CVE-2024-3660)`
          : `${cls} layer ${JSON.stringify(name.slice(0, 80))} calls a Python function on load`,
        location,
        { layer: name.slice(0, 200) },
      );
    }
    if (cls === 'TFOpLambda') {
      const fn = isObject(config) && typeof config.function === 'string' ? config.function : '';
      const bad = DANGEROUS_TF_FUNCTIONS.test(fn) || !/^[\w.]+$/.test(fn);
      session.report(
        'scan.keras.tfoplambda',
        bad ? 'high' : 'low',
        `TFOpLambda layer calls tf.${fn.slice(0, 80)}${bad ? ' (file/Python access)' : ''}`,
        location,
        { layer: name.slice(0, 200) },
      );
    }
    if (cls === 'TorchModuleWrapper') {
      session.report(
        'scan.keras.torch-module-wrapper',
        'critical',
        `TorchModuleWrapper layer ${JSON.stringify(name.slice(0, 80))} unpickles a torch module on load (CVE-2025-49655)`,
        location,
      );
    }
    for (const key of ['module', 'fn_module']) {
      const mod = node[key];
      if (typeof mod !== 'string') continue;
      const rootName = mod.split('.')[0] ?? '';
      if (!KERAS_MODULE_ROOTS.has(rootName)) {
        const dangerous = DANGEROUS_ROOTS.has(rootName);
        session.report(
          'scan.keras.module-reference',
          dangerous ? 'critical' : 'high',
          `${key} ${JSON.stringify(mod.slice(0, 100))}${cls ? ` (${cls.slice(0, 60)})` : ''} is outside keras/tensorflow/numpy: Keras imports it on load (CVE-2025-1550)`,
          location,
          { path: path.slice(0, 200), module: mod.slice(0, 200) },
        );
      }
    }
    const registered = node.registered_name;
    if (
      typeof registered === 'string' &&
      registered.includes('>') &&
      !/^keras[.>]/.test(registered)
    ) {
      session.report(
        'scan.keras.custom-object',
        'medium',
        `custom object ${JSON.stringify(registered.slice(0, 100))}: loading needs user code registered for it`,
        location,
      );
    }
    for (const [k, v] of Object.entries(node)) visit(v, `${path}.${k}`, depth + 1);
  };
  visit(root, '$', 0);
}
