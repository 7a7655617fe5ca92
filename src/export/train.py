#!/usr/bin/env python3
"""NITP Lab's experiment in PyTorch: one GPT-style model trained with next-token prediction and,
when nitp.lambda > 0, the NITP auxiliary loss (or the generic cosine regularizer), exactly as the
lab defines it (docs/method.md of the lab: model, losses, AdamW, schedules, clipping, evaluation,
checkpoints).

    python3 train.py --out OUT [--steps N] [--device cpu|cuda] [--batches FILE.safetensors]
                     [--resume CKPT] [--set section.field=value ...]
    torchrun --standalone --nproc_per_node=K train.py --out OUT ...    (DDP: nccl on GPUs, gloo on CPU)

Inputs, by default next to this script (`npm run export:pytorch` writes them; `npm run
prepare-data` writes a data folder for --data):
    config.json        the lab's run config (the same fields as the lab's config table)
    init.safetensors   initial weights (used when they fit the config; otherwise a fresh init)
    train.bin, val.bin token streams, uint16 (uint32 when V > 65535), little-endian
    data.json          what the streams are: dtype, vocabulary size, the config's data section
    tokenizer.json     the lab's tokenizer (stored in checkpoints, so the lab can read the text)
    eval.safetensors   the lab's fixed evaluation set and anisotropy pairs (drawn again with the
                       lab's random streams when the config no longer fits it)
    batches.safetensors (optional) the lab's batches; --batches consumes them in order

OUT holds what `npm run train` writes, in the same layout, so the lab opens it like a CLI run:
    config.json, init.safetensors (fresh runs), metrics.jsonl (one line per step, evaluation
    records at step 0, eval.early, every eval.every steps and the last step), checkpoint.safetensors
    (every --checkpoint-every steps and at --stop-after), final.safetensors (at train.steps).
Only rank 0 writes.

Runs on PyTorch 1.13 (Debian's python3-torch) and 2.x; needs nothing else (no numpy, no
safetensors package). Little-endian machines only (x86, ARM), like the files.
"""
import argparse
import contextlib
import json
import math
import mmap
import os
import struct
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# The config: the lab's fields, defaults and ranges (src/model/config.ts of the lab)
# ---------------------------------------------------------------------------------------------

# (default, kind, rule): kind "int" / "number" with (min, max), "bool", "enum" with the values,
# "object" (checked where it is used), "derived" (an int whose null resolves from other fields).
FIELDS = {
    'model': {
        'contextLength': (64, 'int', (2, 4096)),
        'nLayer': (4, 'int', (1, 64)),
        'dModel': (64, 'int', (4, 4096)),
        'nHead': (4, 'int', (1, 256)),
        'tieEmbeddings': (True, 'bool', None),
    },
    'nitp': {
        'lambda': (1, 'number', (0, 1000)),
        'targetLayer': (None, 'derived', (0, 64)),
        'head': ('swiglu', 'enum', ('swiglu', 'none')),
        'shift': ('next', 'enum', ('next', 'current')),
        'stopGrad': (True, 'bool', None),
        'loss': ('cosine', 'enum', ('cosine', 'mse', 'smoothl1')),
        'regularizer': ('nitp', 'enum', ('nitp', 'generic-cosine')),
    },
    'train': {
        'steps': (2000, 'int', (1, 10_000_000)),
        'batchSize': (32, 'int', (1, 4096)),
        'lr': (0.002, 'number', (0, 10)),
        'warmupSteps': (100, 'int', (0, 10_000_000)),
        'schedule': ('wsd', 'enum', ('wsd', 'cosine')),
        'weightDecay': (0.1, 'number', (0, 10)),
        'gradClip': (1, 'number', (0, 1e6)),
        'seed': (1337, 'int', (0, 2**32 - 1)),
    },
    'data': {
        'corpus': ('brown', 'enum', ('brown', 'upload', 'markov', 'copy', 'reverse', 'modadd')),
        'tokenizer': ('char', 'enum', ('char', 'bpe')),
        'vocabSize': (1024, 'int', (256, 8192)),
        'task': (None, 'object', None),
        'upload': (None, 'object', None),
    },
    'eval': {
        'every': (50, 'int', (1, 10_000_000)),
        'early': (None, 'object', None),
        'sequences': (64, 'int', (2, 4096)),
    },
}


class ConfigError(Exception):
    pass


def check_field(path, value, kind, rule):
    if kind == 'bool':
        if not isinstance(value, bool):
            raise ConfigError(f'"{path}": must be true or false, got {json.dumps(value)}')
    elif kind == 'enum':
        if value not in rule:
            raise ConfigError(f'"{path}": must be one of {", ".join(rule)}, got {json.dumps(value)}')
    elif kind in ('int', 'number', 'derived'):
        if kind == 'derived' and value is None:
            return
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok and kind != 'number':
            ok = float(value).is_integer()
        if not ok or not rule[0] <= value <= rule[1]:
            raise ConfigError(f'"{path}": must be {"an integer" if kind != "number" else "a number"} in {rule[0]}..{rule[1]}, got {json.dumps(value)}')
        if path == 'train.lr' and value <= 0:
            raise ConfigError('"train.lr": must be > 0')
    elif kind == 'object' and value is not None and not isinstance(value, dict):
        raise ConfigError(f'"{path}": must be an object or null, got {json.dumps(value)}')


def object_field(path, value):
    """eval.early and data.upload in the lab's key order; data.task is kept as the lab wrote it."""
    keys = {'eval.early': ('every', 'until'), 'data.upload': ('name', 'size', 'sha256')}.get(path)
    if value is None or keys is None:
        return value
    if set(value) != set(keys):
        raise ConfigError(f'"{path}": must be an object with the fields {", ".join(keys)}, got {json.dumps(value)}')
    if path == 'eval.early':
        for k in keys:
            check_field(f'{path}.{k}', value[k], 'int', (1, 10_000_000))
    return {k: value[k] for k in keys}


def resolve_config(raw):
    """Fills defaults, checks every field and the rules across fields, resolves targetLayer."""
    if not isinstance(raw, dict):
        raise ConfigError('the config must be a JSON object')
    out = {}
    for section, fields in FIELDS.items():
        given = raw.get(section, {})
        if not isinstance(given, dict):
            raise ConfigError(f'"{section}": must be an object')
        for name in given:
            if name not in fields:
                raise ConfigError(f'"{section}.{name}": unknown field; fields of {section} are {", ".join(fields)}')
        out[section] = {}
        for name, (default, kind, rule) in fields.items():
            value = given.get(name, default)
            check_field(f'{section}.{name}', value, kind, rule)
            out[section][name] = object_field(f'{section}.{name}', value) if kind == 'object' else value
    for section in raw:
        if section not in FIELDS:
            raise ConfigError(f'"{section}": unknown section; sections are {", ".join(FIELDS)}')
    m, n, t = out['model'], out['nitp'], out['train']
    if n['targetLayer'] is None:  # round(0.2·L), at least 1 (JavaScript rounds halves up)
        n['targetLayer'] = max(1, math.floor(0.2 * m['nLayer'] + 0.5))
    if m['dModel'] % m['nHead'] != 0:
        raise ConfigError(f'"model.dModel": must be divisible by model.nHead ({m["nHead"]}), got {m["dModel"]}')
    if n['targetLayer'] > m['nLayer']:
        raise ConfigError(f'"nitp.targetLayer": must be in 0..model.nLayer (0..{m["nLayer"]}), got {n["targetLayer"]}')
    if t['warmupSteps'] > t['steps']:
        raise ConfigError(f'"train.warmupSteps": must be at most train.steps ({t["steps"]}), got {t["warmupSteps"]}')
    return out


def set_field(raw, assignment):
    """--set section.field=value: JSON values ("0.5", "true", "null", '{"every":2,"until":60}'), enums as text."""
    path, eq, text = assignment.partition('=')
    parts = path.split('.')
    if not eq or len(parts) != 2 or parts[0] not in FIELDS or parts[1] not in FIELDS[parts[0]]:
        fields = ', '.join(f'{s}.{f}' for s, fs in FIELDS.items() for f in fs)
        raise ConfigError(f'--set takes section.field=value with a known field, got "{assignment}"; fields are {fields}')
    section, name = parts
    kind = FIELDS[section][name][1]
    if kind == 'enum':
        value = text
    else:
        try:
            value = json.loads(text)
        except ValueError:
            raise ConfigError(f'"{path}": {json.dumps(text)} is not valid JSON')
    raw.setdefault(section, {})[name] = value


def uses_aux_loss(cfg):
    return cfg['nitp']['lambda'] > 0


def uses_nitp_head(cfg):
    n = cfg['nitp']
    return n['lambda'] > 0 and n['regularizer'] == 'nitp' and n['head'] == 'swiglu'


def is_eval_step(cfg, step):
    """Step 0, every eval.every, the dense early stretch eval.early, the last step."""
    e = cfg['eval']
    early = e['early']
    return (step == 0 or step % e['every'] == 0 or step == cfg['train']['steps']
            or (early is not None and step <= early['until'] and step % early['every'] == 0))


# ---------------------------------------------------------------------------------------------
# JSON as JavaScript writes it (JSON.stringify), so config.json, metrics.jsonl and checkpoint
# metadata read exactly like the lab's own files: 0.001, 1e-7, 2 (not 2.0), NaN/Inf as null.
# ---------------------------------------------------------------------------------------------

def js_number(x):
    if isinstance(x, bool):
        return 'true' if x else 'false'
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        return 'null'
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    r = repr(x)  # the shortest digits that read back as x, as in JavaScript
    if 'e' not in r:
        return r
    mantissa, exp = r.split('e')
    e = int(exp)
    if not -7 < e < 21:
        return f'{mantissa}e{"+" if e > 0 else "-"}{abs(e)}'
    sign = '-' if mantissa.startswith('-') else ''
    mantissa = mantissa.lstrip('-')
    digits = mantissa.replace('.', '')
    point = (mantissa.index('.') if '.' in mantissa else len(mantissa)) + e
    if point <= 0:
        return f'{sign}0.{"0" * -point}{digits}'
    if point >= len(digits):
        return sign + digits + '0' * (point - len(digits))
    return f'{sign}{digits[:point]}.{digits[point:]}'


def js_dumps(value, indent=None, _level=0):
    """JSON.stringify(value) (compact) or JSON.stringify(value, null, indent)."""
    if value is None:
        return 'null'
    if isinstance(value, (bool, int, float)):
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        items = [js_dumps(v, indent, _level + 1) for v in value]
        if not items:
            return '[]'
        if indent is None:
            return '[' + ','.join(items) + ']'
        pad = ' ' * (indent * (_level + 1))
        return '[\n' + ',\n'.join(pad + i for i in items) + '\n' + ' ' * (indent * _level) + ']'
    if isinstance(value, dict):
        items = [(json.dumps(str(k), ensure_ascii=False), js_dumps(v, indent, _level + 1)) for k, v in value.items()]
        if not items:
            return '{}'
        if indent is None:
            return '{' + ','.join(f'{k}:{v}' for k, v in items) + '}'
        pad = ' ' * (indent * (_level + 1))
        return '{\n' + ',\n'.join(f'{pad}{k}: {v}' for k, v in items) + '\n' + ' ' * (indent * _level) + '}'
    raise TypeError(f'cannot write {type(value).__name__} as JSON')


# ---------------------------------------------------------------------------------------------
# safetensors, read and written by hand (the lab's src/io/safetensors.ts): u64 little-endian
# header length N, N bytes of JSON header ("__metadata__" first, padded with spaces to a
# multiple of 8), then the tensors back to back, row-major, little-endian.
# ---------------------------------------------------------------------------------------------

DTYPES = {'F32': (torch.float32, 4), 'I32': (torch.int32, 4), 'F64': (torch.float64, 8), 'I64': (torch.int64, 8)}
if sys.byteorder != 'little':
    sys.exit('train.py: this machine is big-endian; the token and safetensors files are little-endian')


def read_safetensors(path):
    """-> (tensors: dict name -> tensor in file order, metadata: dict of strings)."""
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    if len(data) < 8:
        raise ValueError(f'{path}: not a safetensors file ({len(data)} bytes)')
    n = struct.unpack('<Q', data[:8])[0]
    if 8 + n > len(data):
        raise ValueError(f'{path}: truncated header ({n} bytes announced, file has {len(data)})')
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', {}) or {}
    tensors = {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets'][0]):
        if info['dtype'] not in DTYPES:
            raise ValueError(f'{path}: tensor {name} has dtype {info["dtype"]}; this reader knows {", ".join(DTYPES)}')
        dtype, size = DTYPES[info['dtype']]
        begin, end = info['data_offsets']
        count = math.prod(info['shape'])
        if end - begin != count * size:
            raise ValueError(f'{path}: tensor {name} of shape {info["shape"]} has {end - begin} bytes')
        flat = torch.frombuffer(data, dtype=dtype, count=count, offset=8 + n + begin) if count else torch.empty(0, dtype=dtype)
        tensors[name] = flat.clone().reshape(info['shape'])
    return tensors, metadata


def safetensors_bytes(tensors, metadata):
    """The file as the lab writes it. @param tensors list of (name, F32 or I32 tensor), in order."""
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    offset = 0
    blobs = []
    for name, t in tensors:
        t = t.detach().to('cpu').contiguous()
        code = {torch.float32: 'F32', torch.int32: 'I32'}[t.dtype]
        blob = bytearray(t.numel() * 4)
        if t.numel():
            torch.frombuffer(blob, dtype=t.dtype).copy_(t.reshape(-1))
        header[name] = {'dtype': code, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = js_dumps(header).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    return b''.join([struct.pack('<Q', len(text)), text] + blobs)


def write_file(path, payload):
    """Written whole, then renamed: a run killed mid-write keeps the previous file."""
    with open(path + '.tmp', 'wb') as f:
        f.write(payload)
    os.replace(path + '.tmp', path)


# ---------------------------------------------------------------------------------------------
# The lab's random streams (src/util/rng.ts): sfc32 seeded through splitmix32, one named stream
# per purpose. Used for what must match the lab draw for draw: the training batches, the
# evaluation set and the anisotropy pairs. (Weights of a fresh init come from torch instead.)
# ---------------------------------------------------------------------------------------------

U32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & U32


class LabRng:
    def __init__(self, seed, stream=''):
        h = (2166136261 ^ (seed & U32)) & U32  # FNV-1a of the stream name, mixed with the seed
        for ch in stream:
            h = _imul(h ^ ord(ch), 16777619)
        state = _imul(h ^ ((seed >> 32) & U32), 16777619)

        def splitmix32():
            nonlocal state
            state = (state + 0x9E3779B9) & U32
            z = state
            z = _imul(z ^ (z >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            return (z ^ (z >> 16)) & U32

        self.a, self.b, self.c, self.d = splitmix32(), splitmix32(), splitmix32(), splitmix32()
        for _ in range(12):
            self.next_u32()

    def next_u32(self):
        t = (self.a + self.b + self.d) & U32
        self.d = (self.d + 1) & U32
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + (self.c << 3)) & U32
        self.c = ((self.c << 21) | (self.c >> 11)) & U32
        self.c = (self.c + t) & U32
        return t

    def uniform(self):
        """Uniform in [0, 1) with 53 random bits."""
        hi = self.next_u32() >> 5
        lo = self.next_u32() >> 6
        return (hi * 67108864 + lo) / 9007199254740992

    def int(self, n):
        """Uniform integer in [0, n)."""
        return math.floor(self.uniform() * n)


class TokenStream:
    """A .bin token file (nanoGPT's layout), memory-mapped; windows of T+1 tokens from it."""

    def __init__(self, path, dtype):
        self.path = path
        self.width = {'uint16': 2, 'uint32': 4}[dtype]
        self.file = open(path, 'rb')
        size = os.fstat(self.file.fileno()).st_size
        if size % self.width:
            raise ValueError(f'{path}: {size} bytes is not a whole number of {dtype} tokens')
        self.n = size // self.width
        self.map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_COPY) if size else None

    def window(self, offset, length):
        signed = torch.int16 if self.width == 2 else torch.int32
        raw = torch.frombuffer(self.map, dtype=signed, count=length, offset=offset * self.width)
        return raw.to(torch.int64) & (0xFFFF if self.width == 2 else 0xFFFFFFFF)


class LabBatches:
    """The lab's BatchSampler (src/data/batches.ts): B windows of T+1 tokens at offsets drawn
    uniformly in [0, n − T − 1] from one stream of the seed, in order b = 0..B−1."""

    def __init__(self, stream, B, T, seed, name):
        if stream.n < T + 1:
            raise ValueError(f'{stream.path} has {stream.n} tokens, fewer than the T + 1 = {T + 1} of one window')
        self.stream, self.B, self.T = stream, B, T
        self.rng = LabRng(seed, name)

    def next(self):
        offsets = [self.rng.int(self.stream.n - self.T) for _ in range(self.B)]
        return torch.stack([self.stream.window(o, self.T + 1) for o in offsets])


def draw_pairs(N, n_pairs, seed, S):
    """The lab's anisotropy pairs (src/metrics/anisotropy.ts drawPairs): rows i, j of the (N, d)
    hidden states in different sequences of S rows, uniform over such ordered pairs."""
    rng = LabRng(seed, 'anisotropy-pairs')
    pairs = []
    for _ in range(n_pairs):
        i = rng.int(N)
        start = i - i % S
        j = rng.int(N - S)
        if j >= start:
            j += S
        pairs.append((i, j))
    return torch.tensor(pairs, dtype=torch.int64)


ANISOTROPY_PAIRS = 4096  # the lab's DEFAULT_PAIRS

# ---------------------------------------------------------------------------------------------
# The model (docs/method.md §2): nanoGPT's GPT-2 with nanoGPT's state-dict names
# ---------------------------------------------------------------------------------------------


class CausalSelfAttention(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(d, 3 * d)  # rows 0..d are q, d..2d k, 2d..3d v
        self.c_proj = nn.Linear(d, d)

    def forward(self, x):
        b, T, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (t.view(b, T, self.n_head, d // self.n_head).transpose(1, 2) for t in (q, k, v))
        if hasattr(F, 'scaled_dot_product_attention'):  # PyTorch 2: fused kernels where available
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.n_head))
            causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            att = att.masked_fill(~causal, float('-inf')).softmax(dim=-1)
            y = att @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, T, d))


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate='tanh'))


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)  # biased variance, as the lab
        self.attn = CausalSelfAttention(d, n_head)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.mlp = MLP(d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


def wide(x):
    """Losses in at least float32 (under bfloat16 autocast the activations are bfloat16)."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def pair_loss(a, b, kind):
    """The NITP per-pair loss ℓ(a, b) over the last dimension (docs/method.md §3)."""
    if kind == 'cosine':  # clamped norms count as constants in the gradient (clamp's gradient is 0 there)
        na = a.norm(dim=-1).clamp(min=1e-8)
        nb = b.norm(dim=-1).clamp(min=1e-8)
        return 1 - (a * b).sum(-1) / (na * nb)
    e = a - b
    if kind == 'mse':
        return (e * e).mean(-1)
    ae = e.abs()  # smoothl1: Huber with β = 1
    return torch.where(ae < 1, 0.5 * e * e, ae - 0.5).mean(-1)


def generic_cosine(h):
    """Per sequence: the mean cosine over ordered pairs of different positions, (b,)."""
    b, T, _ = h.shape
    if T < 2:
        return h.new_zeros(b)
    u = h / h.norm(dim=-1, keepdim=True).clamp(min=1e-8)
    s = u.sum(1)
    return ((s * s).sum(-1) - (u * u).sum((1, 2))) / (T * (T - 1))


class GPT(nn.Module):
    def __init__(self, cfg, V):
        super().__init__()
        m, n = cfg['model'], cfg['nitp']
        d, L = m['dModel'], m['nLayer']
        self.cfg, self.V = cfg, V
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(V, d),
            wpe=nn.Embedding(m['contextLength'], d),
            h=nn.ModuleList([Block(d, m['nHead']) for _ in range(L)]),
            ln_f=nn.LayerNorm(d, eps=1e-5),
        ))
        if not m['tieEmbeddings']:
            self.lm_head = nn.Linear(d, V, bias=False)
        if uses_nitp_head(cfg):  # SwiGLU head P(h) = W3·(silu(W1 h) ⊙ W2 h)
            self.nitp = nn.ModuleDict(dict(
                w1=nn.Linear(d, 4 * d, bias=False), w2=nn.Linear(d, 4 * d, bias=False), w3=nn.Linear(4 * d, d, bias=False)))

    def init_weights(self, seed, head_only=False):
        """nanoGPT's init (docs/method.md §2) from torch's generator: N(0, 0.02), the c_proj
        weights N(0, 0.02/√(2L)), biases 0, LayerNorm 1 and 0. Not the lab's random stream."""
        g = torch.Generator().manual_seed(seed + (1 if head_only else 0))
        std_proj = 0.02 / math.sqrt(2 * self.cfg['model']['nLayer'])
        with torch.no_grad():
            for name, p in self.named_parameters():
                if head_only and not name.startswith('nitp.'):
                    continue
                if name.endswith('.bias'):
                    p.zero_()
                elif '.ln_' in name or name.startswith('transformer.ln_f'):
                    p.fill_(1)
                else:
                    std = std_proj if name.endswith('c_proj.weight') else 0.02
                    p.copy_(torch.randn(p.shape, generator=g) * std)

    def forward(self, tokens, with_states=False):
        """tokens (b, T+1): inputs 0..T−1, targets 1..T. Returns (loss, ntp, aux or None) for
        training; with_states also the per-position losses and every layer's hidden states."""
        cfg, n = self.cfg, self.cfg['nitp']
        idx, targets = tokens[:, :-1], tokens[:, 1:]
        T = idx.shape[1]
        tr = self.transformer
        x = tr.wte(idx) + tr.wpe(torch.arange(T, device=idx.device))
        states = [x]  # layer 0 = the embedding output, layer i = after block i
        for block in tr.h:
            x = block(x)
            states.append(x)
        h = tr.ln_f(x)  # the final hidden state
        logits = F.linear(h, tr.wte.weight if cfg['model']['tieEmbeddings'] else self.lm_head.weight)
        ntp_each = F.cross_entropy(wide(logits.reshape(-1, self.V)), targets.reshape(-1), reduction='none')
        ntp = ntp_each.mean()
        aux_each = None
        if uses_aux_loss(cfg):
            if n['regularizer'] == 'nitp':
                z = states[n['targetLayer']]
                if n['stopGrad']:
                    z = z.detach()
                p = self.nitp.w3(F.silu(self.nitp.w1(h)) * self.nitp.w2(h)) if n['head'] == 'swiglu' else h
                if n['shift'] == 'next':
                    p, z = p[:, :-1], z[:, 1:]
                aux_each = pair_loss(wide(p), wide(z), n['loss'])  # (b, pairs)
            else:
                aux_each = generic_cosine(wide(h))  # (b,)
            aux = aux_each.mean()
            loss = ntp + n['lambda'] * aux
        else:
            aux, loss = None, ntp
        if with_states:
            return ntp_each, aux_each, states + [h]
        return loss, ntp, aux


# ---------------------------------------------------------------------------------------------
# The lab's checkpoint layout (docs/method.md §6): tensors with two or more dimensions first,
# then the rest, each group in nanoGPT's order; AdamW moments as optim.m.* / optim.v.*.
# ---------------------------------------------------------------------------------------------

def lab_tensor_names(cfg):
    L = cfg['model']['nLayer']
    names = ['transformer.wte.weight', 'transformer.wpe.weight']
    for i in range(L):
        p = f'transformer.h.{i}.'
        names += [p + s for s in ('ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias',
                                  'attn.c_proj.weight', 'attn.c_proj.bias', 'ln_2.weight', 'ln_2.bias',
                                  'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias')]
    names += ['transformer.ln_f.weight', 'transformer.ln_f.bias']
    if not cfg['model']['tieEmbeddings']:
        names.append('lm_head.weight')
    if uses_nitp_head(cfg):
        names += ['nitp.w1.weight', 'nitp.w2.weight', 'nitp.w3.weight']
    return names


def checkpoint_bytes(model, optim_state, step, config_text, tokenizer_text):
    params = dict(model.named_parameters())
    order = [n for n in lab_tensor_names(model.cfg) if params[n].dim() >= 2] + \
            [n for n in lab_tensor_names(model.cfg) if params[n].dim() < 2]
    tensors = [(n, params[n].float()) for n in order]
    if optim_state is not None:
        tensors += [(f'optim.m.{n}', optim_state['m'][n].float()) for n in order]
        tensors += [(f'optim.v.{n}', optim_state['v'][n].float()) for n in order]
    return safetensors_bytes(tensors, {'config': config_text, 'step': str(step), 'tokenizer': tokenizer_text})


def load_weights(model, tensors, where, allow_missing_head=False):
    """Copies a checkpoint's weights into the model; every tensor must be there with its shape.
    Returns the names that were missing (only NITP head tensors, and only if allowed)."""
    missing = []
    with torch.no_grad():
        for name, p in model.named_parameters():
            t = tensors.get(name)
            if t is None:
                if allow_missing_head and name.startswith('nitp.'):
                    missing.append(name)
                    continue
                raise ValueError(f'{where} is missing tensor {name} (expected shape {list(p.shape)})')
            if list(t.shape) != list(p.shape):
                raise ValueError(f'{where}: tensor {name} has shape {list(t.shape)}, expected {list(p.shape)}')
            p.copy_(t)
    return missing


# ---------------------------------------------------------------------------------------------
# AdamW, the schedule and clipping exactly as the lab (docs/method.md §4)
# ---------------------------------------------------------------------------------------------

BETA1, BETA2, EPS = 0.9, 0.95, 1e-8


def learning_rate(s, t):
    """lr_s for update s (1-based): warm-up, then wsd (linear decay over the last 20%) or cosine; 0 past S."""
    lr, W, S = t['lr'], t['warmupSteps'], t['steps']
    warm = lr * s / W if W > 0 and s <= W else lr
    if t['schedule'] == 'wsd':
        if 5 * s > 4 * S:  # s > 0.8·S, in integers
            return min(warm, lr * 5 * max(S - s, 0) / S)
        return warm
    if W > 0 and s <= W:
        return warm
    if s >= S:
        return 0.0
    return lr * math.sin(0.5 * math.pi * (S - s) / (S - W)) ** 2  # = lr·½(1 + cos(π(s−W)/(S−W)))


def float32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


class AdamW:
    """β = (0.9, 0.95), ε = 1e-8, bias correction, decoupled weight decay on tensors with two or
    more dimensions (embeddings, Linear weights, lm_head, the NITP head); gradients scaled by the
    clip factor first."""

    def __init__(self, named_params, weight_decay):
        self.params = dict(named_params)
        self.wd = weight_decay
        self.state = {'m': {n: torch.zeros_like(p) for n, p in self.params.items()},
                      'v': {n: torch.zeros_like(p) for n, p in self.params.items()}}

    @torch.no_grad()
    def step(self, s, lr, clip):
        bias1 = 1 - BETA1 ** s
        bias2 = 1 - BETA2 ** s
        for name, p in self.params.items():
            g = p.grad * clip if clip != 1 else p.grad
            m, v = self.state['m'][name], self.state['v'][name]
            m.mul_(BETA1).add_(g, alpha=1 - BETA1)
            v.mul_(BETA2).addcmul_(g, g, value=1 - BETA2)
            update = (m / bias1) / ((v / bias2).sqrt() + EPS)
            if p.dim() >= 2:
                update.add_(p, alpha=self.wd)
            p.sub_(update, alpha=lr)


def global_grad_norm(params):
    """L2 norm over every gradient, NITP head included, accumulated in float64."""
    total = torch.zeros((), dtype=torch.float64, device=params[0].device)
    for p in params:
        total += p.grad.detach().double().pow(2).sum()
    return math.sqrt(total.item())


# ---------------------------------------------------------------------------------------------
# The lab's evaluation (docs/method.md §5): on the fixed evaluation set, per layer (x0, each
# block's output, the final h) the effective rank of the centred covariance, the anisotropy over
# the fixed pairs and the mean norm; validation NTP and auxiliary losses.
# ---------------------------------------------------------------------------------------------

@torch.no_grad()
def evaluate(model, eval_tokens, pairs, chunk, device, autocast):
    E, W = eval_tokens.shape
    T = W - 1
    N = E * T
    rows, inverse = torch.unique(pairs.reshape(-1), return_inverse=True)
    stats = None
    ntp_sum, aux_sum, aux_count = 0.0, 0.0, 0
    for first in range(0, E, chunk):
        batch = eval_tokens[first:first + chunk].to(device)
        with autocast():
            ntp_each, aux_each, states = model(batch, with_states=True)
        ntp_sum += ntp_each.double().sum().item()
        if aux_each is not None:
            aux_sum += aux_each.double().sum().item()
            aux_count += aux_each.numel()
        r0, r1 = first * T, (first + batch.shape[0]) * T
        here = (rows >= r0) & (rows < r1)
        if stats is None:
            d = states[0].shape[-1]
            stats = [dict(s1=torch.zeros(d, dtype=torch.float64, device=device),
                          s2=torch.zeros(d, d, dtype=torch.float64, device=device),
                          norms=0.0, picked=torch.zeros(len(rows), d, dtype=torch.float64)) for _ in states]
        for st, hs in zip(stats, states):
            x = hs.reshape(-1, hs.shape[-1]).double()
            st['s1'] += x.sum(0)
            st['s2'] += x.T @ x
            st['norms'] += x.norm(dim=1).sum().item()
            st['picked'][here] = x[(rows[here] - r0).to(device)].cpu()
    layers = []
    for i, st in enumerate(stats):
        mean = st['s1'] / N
        cov = (st['s2'] - N * torch.outer(mean, mean)) / max(N - 1, 1)
        eig = torch.linalg.eigvalsh(cov.cpu()).clamp(min=0)
        total = eig.sum().item()
        if total > 0:
            p = eig / total
            p = p[p > 0]
            erank = math.exp(-(p * p.log()).sum().item())
        else:
            erank = 0.0
        a = st['picked'][inverse[0::2]]
        b = st['picked'][inverse[1::2]]
        cos = (a * b).sum(1) / (a.norm(dim=1).clamp(min=1e-8) * b.norm(dim=1).clamp(min=1e-8))
        layers.append({'layer': 'final' if i == len(stats) - 1 else i, 'erank': erank,
                       'anisotropy': cos.mean().item(), 'norm': st['norms'] / N})
    return {'layers': layers, 'valNtp': ntp_sum / N, 'valNitp': aux_sum / aux_count if aux_count else None}


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description='Train an NITP Lab experiment in PyTorch (plain or under torchrun).')
    ap.add_argument('--out', required=True, help='output folder, laid out like a `npm run train` run')
    ap.add_argument('--config', default=os.path.join(HERE, 'config.json'), help='the lab config (default: next to this script)')
    ap.add_argument('--data', default=HERE, help='folder with train.bin, val.bin, data.json, tokenizer.json (default: next to this script)')
    ap.add_argument('--init', default=None, help='initial weights (default: init.safetensors next to this script, when it fits the config)')
    ap.add_argument('--steps', type=int, default=None, help='sets train.steps')
    ap.add_argument('--set', action='append', default=[], metavar='section.field=value', help='overrides a config field (repeatable)')
    ap.add_argument('--device', default=None, help='cpu or cuda (default: cuda when available)')
    ap.add_argument('--dtype', default='float32', choices=['float32', 'float64'], help='parameters and arithmetic (the lab: float32)')
    ap.add_argument('--amp', default=None, choices=['bf16'], help='bfloat16 autocast for the forward pass (large runs on GPUs)')
    ap.add_argument('--micro-batch', type=int, default=None,
                    help='sequences per forward pass and process; the rest of the global batch is gradient accumulation (default: all of this process\'s share)')
    ap.add_argument('--batches', default=None, help="the lab's batches.safetensors: train on its batches, in order")
    ap.add_argument('--resume', default=None, help='a lab or train.py checkpoint (weights, AdamW moments, step) to continue from')
    ap.add_argument('--stop-after', type=int, default=None, help='stop after this update (a checkpoint is written); the schedule still runs to train.steps')
    ap.add_argument('--checkpoint-every', type=int, default=250, help='checkpoint.safetensors every N steps (default 250)')
    ap.add_argument('--log-every', type=int, default=10, help='progress line every N steps')
    return ap.parse_args(argv)


def read_json(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def main(argv):
    args = parse_args(argv)
    # --- processes: one, or DDP under torchrun (RANK/WORLD_SIZE/LOCAL_RANK in the environment)
    ddp = 'RANK' in os.environ and 'WORLD_SIZE' in os.environ
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if ddp:
        dist.init_process_group(backend='nccl' if device.startswith('cuda') else 'gloo')
        rank, world = dist.get_rank(), dist.get_world_size()
        if device.startswith('cuda'):
            device = f'cuda:{int(os.environ.get("LOCAL_RANK", 0))}'
            torch.cuda.set_device(device)
    else:
        rank, world = 0, 1
    master = rank == 0

    def say(*a):
        if master:
            print(*a, flush=True)

    dtype = {'float32': torch.float32, 'float64': torch.float64}[args.dtype]
    if args.amp and dtype != torch.float32:
        sys.exit('--amp bf16 needs --dtype float32 (the weights stay float32)')

    def autocast():
        if args.amp is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type='cuda' if device.startswith('cuda') else 'cpu', dtype=torch.bfloat16)

    # --- config: the resumed checkpoint's, else --config; then --steps and --set
    resumed = read_safetensors(args.resume) if args.resume else None
    if resumed and 'config' in resumed[1]:
        raw = json.loads(resumed[1]['config'])
    elif os.path.exists(args.config):
        raw = read_json(args.config)
    else:
        sys.exit(f'{args.config} does not exist: give the run\'s config with --config FILE (or --resume a checkpoint)')
    if args.steps is not None:
        raw.setdefault('train', {})['steps'] = args.steps
    try:
        for assignment in args.set:
            set_field(raw, assignment)
    except ConfigError as e:
        sys.exit(f'config: {e}')
    data_info = read_json(os.path.join(args.data, 'data.json'))
    if raw.get('data') is not None and raw['data'] != data_info['data']:
        say(f'training on the data in {args.data}: {js_dumps(data_info["data"])} (the config named {js_dumps(raw["data"])})')
    raw['data'] = dict(data_info['data'])  # the data folder says what the data is
    try:
        cfg = resolve_config(raw)
    except ConfigError as e:
        sys.exit(f'config: {e}')
    config_text = js_dumps(cfg)  # as the lab writes it (JSON.stringify of the resolved config)
    if resumed and 'config' in resumed[1] and resolve_config(json.loads(resumed[1]['config'])) == cfg:
        config_text = resumed[1]['config']  # unchanged: byte for byte
    with open(os.path.join(args.data, data_info.get('tokenizer', 'tokenizer.json')), encoding='utf-8') as f:
        tokenizer_text = f.read().strip()

    m, t = cfg['model'], cfg['train']
    T, B, V = m['contextLength'], t['batchSize'], data_info['vocabSize']
    if B % world:
        sys.exit(f'train.batchSize {B} must be divisible by the number of processes ({world})')
    share = B // world
    micro = args.micro_batch or share
    if share % micro:
        sys.exit(f'--micro-batch {micro} must divide the {share} sequences of each process (train.batchSize {B} / {world} processes)')
    accum = share // micro

    # --- the model and its initial weights
    torch.manual_seed(t['seed'])
    model = GPT(cfg, V).to(device=device, dtype=dtype)
    start = 0
    optimizer = AdamW(model.named_parameters(), t['weightDecay'])
    if resumed:
        tensors, meta = resumed
        load_weights(model, tensors, args.resume)
        start = int(meta.get('step', 0))
        with torch.no_grad():
            for kind in ('m', 'v'):
                for name, buf in optimizer.state[kind].items():
                    saved = tensors.get(f'optim.{kind}.{name}')
                    if saved is not None:
                        buf.copy_(saved)
        say(f'resuming {args.resume} after step {start}')
    else:
        init_path = args.init or os.path.join(HERE, 'init.safetensors')
        fitted = False
        if os.path.exists(init_path):
            tensors, _ = read_safetensors(init_path)
            try:
                missing = load_weights(model, tensors, init_path, allow_missing_head=True)
                fitted = True
                if missing:
                    model.init_weights(t['seed'], head_only=True)
                    say(f'{init_path} has no NITP head: the head is initialised afresh')
            except ValueError as e:
                if args.init:
                    sys.exit(str(e))
                say(f'{init_path} does not fit this config ({e}): initialising afresh')
        elif args.init:
            sys.exit(f'--init {args.init} does not exist')
        if not fitted:
            if not os.path.exists(init_path):
                say(f'no {init_path}: initialising afresh')
            model.init_weights(t['seed'])
    if master:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, 'config.json'), 'w', encoding='utf-8') as f:
            f.write(js_dumps(cfg, indent=2) + '\n')
        if not resumed:
            write_file(os.path.join(args.out, 'init.safetensors'), checkpoint_bytes(model, None, 0, config_text, tokenizer_text))
    raw_model = model
    if ddp:
        model = nn.parallel.DistributedDataParallel(model, device_ids=[torch.device(device)] if device.startswith('cuda') else None)
    params = list(raw_model.parameters())

    # --- data: the lab's batches file, or the lab's sampler on train.bin
    dtype_name = data_info.get('dtype', 'uint16')
    if args.batches:
        saved = read_safetensors(args.batches)[0]['tokens']
        if list(saved.shape[1:]) != [B, T + 1]:
            sys.exit(f'{args.batches}: batches of shape {list(saved.shape[1:])}, this config needs [{B}, {T + 1}]')

        def batch_of(step):
            if step > saved.shape[0]:
                sys.exit(f'{args.batches} holds {saved.shape[0]} steps; step {step} needs more')
            return saved[step - 1].to(torch.int64)
    else:
        sampler = LabBatches(TokenStream(os.path.join(args.data, 'train.bin'), dtype_name), B, T, t['seed'], 'batches')
        for _ in range(start):
            sampler.next()  # a resumed run skips the batches its updates used

        def batch_of(step):
            return sampler.next()

    # --- the fixed evaluation set and anisotropy pairs: the exported ones when they fit
    E = cfg['eval']['sequences']
    eval_path = os.path.join(args.data, 'eval.safetensors')
    eval_tokens = pairs = None
    if os.path.exists(eval_path):
        tensors, meta = read_safetensors(eval_path)
        if list(tensors['tokens'].shape) == [E, T + 1] and meta.get('seed') == str(t['seed']):
            eval_tokens, pairs = tensors['tokens'].to(torch.int64), tensors['pairs'].to(torch.int64)
    if eval_tokens is None:
        val = TokenStream(os.path.join(args.data, 'val.bin'), dtype_name)
        eval_tokens = LabBatches(val, E, T, t['seed'], 'eval').next()
        pairs = draw_pairs(E * T, ANISOTROPY_PAIRS, t['seed'], T)

    # --- metrics.jsonl: a resumed run into the same folder keeps the lines up to its step
    metrics_path = os.path.join(args.out, 'metrics.jsonl')
    if master:
        kept = []
        if resumed and os.path.exists(metrics_path):
            with open(metrics_path, encoding='utf-8') as f:
                kept = [l for l in f.read().split('\n') if l and '"probe"' not in l and json.loads(l)['step'] <= start]
        metrics = open(metrics_path, 'w', encoding='utf-8')
        metrics.write(''.join(l + '\n' for l in kept))
        metrics.flush()

    def emit(record):
        metrics.write(js_dumps(record) + '\n')
        metrics.flush()

    def run_eval(step):
        if master:
            raw_model.eval()
            record = evaluate(raw_model, eval_tokens, pairs, micro, device, autocast)
            raw_model.train()
            emit({'step': step, 'eval': record})
            if step == t['steps']:
                say(f'validation at step {step}: ntp {record["valNtp"]:.4f}' +
                    (f' nitp {record["valNitp"]:.4f}' if record['valNitp'] is not None else ''))
        if ddp:
            dist.barrier()

    def checkpoint(name, step):
        if master:
            write_file(os.path.join(args.out, name), checkpoint_bytes(raw_model, optimizer.state, step, config_text, tokenizer_text))

    n_params = sum(p.numel() for p in params)
    stop = min(t['steps'], args.stop_after if args.stop_after is not None else t['steps'])
    say(f'NITP Lab in PyTorch {torch.__version__}: {n_params:,} parameters, V={V}, steps {start + 1}..{stop} of {t["steps"]}, '
        f'batch {B}x{T} tokens = {world} process(es) x {accum} micro-batch(es) of {micro}, on {device} ({args.dtype}{", bf16 autocast" if args.amp else ""})')
    if start == 0:
        run_eval(0)
    lam = cfg['nitp']['lambda']
    started, tokens_done = time.time(), 0
    for step in range(start + 1, stop + 1):
        batch = batch_of(step)
        mine = batch[rank * share:(rank + 1) * share]
        sums = torch.zeros(2, dtype=torch.float64, device=device)
        for i in range(accum):
            part = mine[i * micro:(i + 1) * micro].to(device)
            sync = model.no_sync() if ddp and i < accum - 1 else contextlib.nullcontext()
            with sync:
                with autocast():
                    loss, ntp, aux = model(part)
                (loss / accum).backward()
            sums[0] += ntp.detach().double()
            if aux is not None:
                sums[1] += aux.detach().double()
        if ddp:
            dist.all_reduce(sums)
        ntp_value, aux_value = (sums / (accum * world)).tolist()
        grad_norm = global_grad_norm(params)
        clip = min(1.0, t['gradClip'] / (grad_norm + 1e-6)) if t['gradClip'] > 0 else 1.0
        lr = learning_rate(step, t)
        optimizer.step(step, lr, clip)
        for p in params:
            p.grad = None
        tokens_done += B * T
        aux_logged = aux_value if uses_aux_loss(cfg) else None
        record = {'step': step, 'lr': float32(lr), 'loss': ntp_value + lam * aux_value if aux_logged is not None else ntp_value,
                  'ntp': ntp_value, 'nitp': aux_logged, 'gradNorm': grad_norm}
        if master:
            emit(record)
        if not all(math.isfinite(v) for v in (record['loss'], ntp_value, aux_value, grad_norm)):
            say(f'step {step}: the loss or gradient norm is not finite (loss {record["loss"]}, ntp {ntp_value}, nitp {aux_logged}, '
                f'gradNorm {grad_norm}); training stopped. Try a lower train.lr, and keep train.gradClip on.')
            return 1
        if master and (step % args.log_every == 0 or step == stop):
            print(f'step {step}/{t["steps"]} loss {record["loss"]:.4f} ntp {ntp_value:.4f}' +
                  (f' nitp {aux_value:.4f}' if aux_logged is not None else '') +
                  f' lr {lr:.2e} {tokens_done / (time.time() - started):.0f} tok/s', flush=True)
        if is_eval_step(cfg, step):
            run_eval(step)
        if step == t['steps']:
            checkpoint('final.safetensors', step)
        elif step % args.checkpoint_every == 0 or step == stop:
            checkpoint('checkpoint.safetensors', step)
    if start >= stop and master:  # nothing to train: the state as read (a conversion)
        checkpoint('final.safetensors' if start >= t['steps'] else 'checkpoint.safetensors', start)
    say(f'wrote {args.out}')
    if ddp:
        dist.destroy_process_group()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
