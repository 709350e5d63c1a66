/**
 * @module The pickle import policy: a default-deny allow-list of data-only constructors, and a
 * deny-list that only grades severity. Denylists lose (every scanner's history is a run of
 * bypasses: modelscan#330/#331/#338, picklescan GHSA-9gvj-pp9x-gcfr), so anything not allowed is
 * already a high finding; the deny-list marks the known code-execution gadgets critical.
 */

const TORCH_STORAGES = [
  'Double',
  'Float',
  'Half',
  'BFloat16',
  'Long',
  'Int',
  'Short',
  'Char',
  'Byte',
  'Bool',
  'ComplexDouble',
  'ComplexFloat',
  'QUInt8',
  'QInt8',
  'QInt32',
  'QUInt4x2',
  'QUInt2x4',
].map((t) => `torch.${t}Storage`);

const TORCH_DTYPES = [
  'float32',
  'float',
  'float64',
  'double',
  'float16',
  'half',
  'bfloat16',
  'int8',
  'int16',
  'short',
  'int32',
  'int',
  'int64',
  'long',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'complex32',
  'complex64',
  'cfloat',
  'complex128',
  'cdouble',
  'qint8',
  'quint8',
  'qint32',
  'quint4x2',
  'quint2x4',
  'float8_e4m3fn',
  'float8_e5m2',
  'float8_e4m3fnuz',
  'float8_e5m2fnuz',
  // layouts, memory formats and quantization schemes (torch `weights_only` set)
  'strided',
  'sparse_coo',
  'sparse_csr',
  'sparse_csc',
  'sparse_bsr',
  'sparse_bsc',
  '_mkldnn',
  'contiguous_format',
  'channels_last',
  'channels_last_3d',
  'preserve_format',
  'per_tensor_affine',
  'per_channel_affine',
  'per_tensor_symmetric',
  'per_channel_symmetric',
  'per_channel_affine_float_qparams',
].map((t) => `torch.${t}`);

const TORCH_REBUILD = [
  '_rebuild_tensor',
  '_rebuild_tensor_v2',
  '_rebuild_tensor_v3',
  '_rebuild_parameter',
  '_rebuild_parameter_with_state',
  '_rebuild_sparse_tensor',
  '_rebuild_meta_tensor_no_storage',
  '_rebuild_qtensor',
  '_rebuild_nested_tensor',
  '_rebuild_wrapper_subclass',
  '_rebuild_device_tensor_from_numpy',
].map((f) => `torch._utils.${f}`);

const NUMPY_DTYPE_CLASSES = [
  'Bool',
  'Int8',
  'Int16',
  'Int32',
  'Int64',
  'UInt8',
  'UInt16',
  'UInt32',
  'UInt64',
  'Float16',
  'Float32',
  'Float64',
  'LongDouble',
  'Complex64',
  'Complex128',
  'CLongDouble',
  'Str',
  'Bytes',
  'Void',
  'DateTime64',
  'TimeDelta64',
  'Object',
].map((t) => `numpy.dtypes.${t}DType`);

/**
 * Imports a pickle may make: constructors of plain data and tensors only. Sources: the torch
 * `weights_only` unpickler (`torch/_weights_only_unpickler.py` `_get_allowed_globals`), picklescan's
 * safe globals, fickling's `SAFE_BUILTINS` restricted to constructors. Calling any of them cannot
 * run attacker code by itself; their arguments' imports are checked on their own.
 */
export const ALLOWED_IMPORTS: ReadonlySet<string> = new Set([
  // plain data builtins (fickling SAFE_BUILTINS, constructors only)
  'builtins.set',
  'builtins.frozenset',
  'builtins.bytearray',
  'builtins.bytes',
  'builtins.complex',
  'builtins.slice',
  'builtins.range',
  'builtins.int',
  'builtins.float',
  'builtins.str',
  'builtins.bool',
  'builtins.list',
  'builtins.tuple',
  'builtins.dict',
  '_codecs.encode', // protocol 2 encodes bytes as _codecs.encode(str, 'latin1')
  'copyreg._reconstructor', // protocol 0/1 objects; its cls/base imports are checked separately
  'collections.OrderedDict',
  'collections.Counter',
  'collections.deque',
  'collections.defaultdict',
  // numpy array and scalar reconstruction (picklescan safe globals)
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  'numpy.ndarray',
  'numpy.dtype',
  ...NUMPY_DTYPE_CLASSES,
  // torch tensors (torch weights_only set)
  ...TORCH_REBUILD,
  ...TORCH_STORAGES,
  ...TORCH_DTYPES,
  'torch._tensor._rebuild_from_type_v2',
  'torch._tensor._rebuild_from_type',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  'torch.Tensor',
  'torch.device',
  'torch.serialization._get_layout',
  'torch.storage.UntypedStorage',
  'torch.storage.TypedStorage',
  // legacy tensor classes named in the `tensors` records of tar checkpoints (torch `_tensor_classes`)
  ...['Double', 'Float', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool'].map(
    (t) => `torch.${t}Tensor`,
  ),
  // TorchScript archives rebuild lists and tensors with these (torch/jit/_pickle.py)
  'torch.jit._pickle.build_intlist',
  'torch.jit._pickle.build_floatlist',
  'torch.jit._pickle.build_boollist',
  'torch.jit._pickle.build_doublelist',
  'torch.jit._pickle.build_tensorlist',
  'torch.jit._pickle.build_tensor_from_id',
  'torch.jit._pickle.restore_type_tag',
  // joblib array wrapper: its BUILD only sets shape/dtype/order attributes
  'joblib.numpy_pickle.NumpyArrayWrapper',
]);

/**
 * Known code-execution and exfiltration gadgets (union of modelscan settings, picklescan's 2026
 * denylist, fickling UNSAFE_IMPORTS/UnsafeImportsML and modelaudit S1xx, plus the bypasses in
 * their issue histories). An entry matches the module or `module.name` and everything under it.
 */
export const DENIED_IMPORTS: readonly string[] = [
  // builtins that evaluate code or reach attributes
  'builtins.eval',
  'builtins.exec',
  'builtins.compile',
  'builtins.open',
  'builtins.__import__',
  'builtins.getattr',
  'builtins.setattr',
  'builtins.delattr',
  'builtins.apply',
  'builtins.breakpoint',
  'builtins.input',
  'builtins.globals',
  'builtins.locals',
  'builtins.vars',
  'builtins.exit',
  'builtins.quit',
  'builtins.help',
  'builtins.memoryview',
  // process, shell, interpreter
  'os',
  'nt',
  'posix',
  'subprocess',
  'sys',
  'pty',
  'runpy',
  'code',
  'codeop',
  'commands',
  'popen2',
  'platform',
  'ctypes',
  '_ctypes',
  'cffi',
  'signal',
  'multiprocessing',
  '_posixsubprocess',
  'importlib',
  'pkgutil',
  'imp',
  'zipimport',
  'marshal',
  'types',
  'inspect',
  'gc',
  'atexit',
  // serializers (nested pickles, modelscan#267)
  'pickle',
  '_pickle',
  'cPickle',
  'dill',
  'cloudpickle',
  'shelve',
  'joblib.load',
  'joblib._store_backends',
  'numpy.load',
  'numpy.lib.npyio',
  'pandas.read_pickle',
  'pandas.io',
  // debuggers, profilers, REPL gadgets (picklescan)
  'bdb',
  'pdb',
  'trace',
  'profile',
  'cProfile',
  'timeit',
  'pydoc',
  'doctest',
  'idlelib',
  'lib2to3',
  'tkinter',
  'turtle',
  'cgitb',
  '_pyrepl',
  'rlcompleter',
  // files and network
  'shutil',
  'tempfile',
  'io.open',
  'io.FileIO',
  '_io',
  'pathlib',
  'glob',
  'fileinput',
  'filecmp',
  'logging.FileHandler',
  'logging.config',
  'zipfile',
  'tarfile',
  'sqlite3',
  'mmap',
  'socket',
  'ssl',
  'asyncio',
  'select',
  'selectors',
  'http',
  'httplib',
  'urllib',
  'urllib2',
  'ftplib',
  'telnetlib',
  'smtplib',
  'imaplib',
  'poplib',
  'nntplib',
  'xmlrpc',
  'webbrowser',
  'requests',
  'aiohttp',
  'httpx',
  'urllib3',
  'socketserver',
  'uuid',
  'venv',
  'ensurepip',
  'pip',
  'setuptools',
  'distutils',
  '_osx_support',
  '_aix_support',
  'sysconfig',
  // attribute/call gadgets (picklescan: operator getters, functools.partial)
  'operator.attrgetter',
  'operator.itemgetter',
  'operator.methodcaller',
  '_operator.attrgetter',
  '_operator.itemgetter',
  '_operator.methodcaller',
  'functools.partial',
  'functools.reduce',
  'builtins.map',
  'builtins.filter',
  'copyreg._extension_registry',
  'threading',
  // ML gadgets (fickling UnsafeImportsML, picklescan torch list, modelscan#338)
  'torch.load',
  'torch.serialization.load',
  'torch.hub',
  'torch._dynamo',
  'torch._inductor',
  'torch.jit',
  'torch.compile',
  'torch.fx.experimental',
  'torch.utils.collect_env',
  'torch.utils.bottleneck',
  'torch.utils._config_module',
  'torch.utils.data.datapipes',
  'torch.storage._load_from_bytes',
  'torch._C._jit',
  'torch.package',
  'torch.ops',
  'numpy.f2py',
  'numpy.testing',
  'numpy.distutils',
  'mlflow.projects',
  'transformers.dynamic_module_utils',
  'keras.utils.get_file',
  'tensorflow.io',
  'tf.io',
  // scanner deactivation (fickling ScannerDeactivation)
  'fickling',
  'picklescan',
  'modelscan',
  'modelaudit',
  'model_unpickler',
  'saferpickle',
];

const DENIED_SET: ReadonlySet<string> = new Set(DENIED_IMPORTS);

/** Python 2 names the unpickler maps for protocols < 3 (CPython `_compat_pickle`; CVE-2025-10155). */
const COMPAT_MODULES: Readonly<Record<string, string>> = {
  __builtin__: 'builtins',
  exceptions: 'builtins',
  copy_reg: 'copyreg',
  cPickle: 'pickle',
  commands: 'subprocess',
  urllib2: 'urllib.request',
  urlparse: 'urllib.parse',
  httplib: 'http.client',
  Queue: 'queue',
  StringIO: 'io',
  cStringIO: 'io',
  UserDict: 'collections',
  UserList: 'collections',
  UserString: 'collections',
  thread: '_thread',
  dummy_thread: '_dummy_thread',
  repr: 'reprlib',
  SocketServer: 'socketserver',
  BaseHTTPServer: 'http.server',
  SimpleHTTPServer: 'http.server',
  CGIHTTPServer: 'http.server',
  xmlrpclib: 'xmlrpc.client',
  cookielib: 'http.cookiejar',
  anydbm: 'dbm',
  whichdb: 'dbm',
  _winreg: 'winreg',
  ConfigParser: 'configparser',
};
const COMPAT_NAMES: Readonly<Record<string, string>> = {
  '__builtin__.xrange': 'builtins.range',
  '__builtin__.reduce': 'functools.reduce',
  '__builtin__.intern': 'sys.intern',
  '__builtin__.unichr': 'builtins.chr',
  '__builtin__.unicode': 'builtins.str',
  '__builtin__.long': 'builtins.int',
  '__builtin__.basestring': 'builtins.str',
  'itertools.izip': 'builtins.zip',
  'itertools.imap': 'builtins.map',
  'itertools.ifilter': 'builtins.filter',
  'exceptions.StandardError': 'builtins.Exception',
};

/** Module aliases that name the same module in every protocol (`__builtin__` → builtins). */
const ALIASES: Readonly<Record<string, string>> = {
  __builtin__: 'builtins',
  posixpath: 'os.path',
  ntpath: 'os.path',
};

/** The `module.name` the unpickler resolves (applies `_compat_pickle` for protocols < 3). */
export function resolveImport(module: string, name: string, proto: number): string {
  const full = `${module}.${name}`;
  if (proto < 3) {
    const mapped = COMPAT_NAMES[full];
    if (mapped) return mapped;
    const mod = COMPAT_MODULES[module];
    if (mod) return `${mod}.${name}`;
  }
  const alias = ALIASES[module];
  return alias ? `${alias}.${name}` : full;
}

/** The deny-list entry that matches `full` (prefix on dotted segments), if any. */
export function deniedEntry(full: string): string | undefined {
  // The entry is a dotted prefix of `full`: test each prefix against a set (no list scan).
  for (let dot = full.indexOf('.'); ; dot = full.indexOf('.', dot + 1)) {
    const prefix = dot < 0 ? full : full.slice(0, dot);
    if (DENIED_SET.has(prefix)) return prefix;
    if (dot < 0) return undefined;
  }
}

/** Dunder path segments the unpickler would walk (`numpy.__builtins__`, modelscan#330). */
const CRITICAL_DUNDERS = new Set([
  '__builtins__',
  '__import__',
  '__globals__',
  '__subclasses__',
  '__code__',
  '__class__',
  '__bases__',
  '__base__',
  '__mro__',
  '__getattribute__',
  '__dict__',
  '__reduce__',
  '__reduce_ex__',
  '__init__',
  '__loader__',
  '__spec__',
  '__closure__',
  '__func__',
  '__self__',
  '__call__',
  '__setstate__',
  '__getattr__',
  '__setattr__',
  '__delattr__',
  '__new__',
]);

/** Dunder segments of a dotted path, and whether any is a known escape primitive. */
export function dunderSegments(full: string): { names: string[]; critical: boolean } {
  const names = full
    .split('.')
    .filter((s) => s.length > 4 && s.startsWith('__') && s.endsWith('__'));
  return { names, critical: names.some((n) => CRITICAL_DUNDERS.has(n)) };
}
