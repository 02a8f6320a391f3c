"""OpenAPI -> contract route fragments (params, response fields, errors)."""
import json, re, yaml

FMT = {'date-time': 'date-time', 'date': 'date', 'Y-m-d': 'date'}

class Spec:
    def __init__(self, path):
        self.d = yaml.safe_load(open(path)) if path.endswith(('yml', 'yaml')) else json.load(open(path))
        self.ops = {}
        self.ref_formats = {}
        for p, v in self.d['paths'].items():
            if not isinstance(v, dict):
                continue
            for m, op in v.items():
                if m in ('get', 'post', 'put', 'delete', 'patch') and isinstance(op, dict):
                    self.ops[op.get('operationId') or f'{m} {p}'] = (p.strip(), m.upper(), op, v.get('parameters', []))

    def ref(self, r):
        assert r.startswith('#/'), r
        x = self.d
        for k in r[2:].split('/'):
            x = x[k]
        return x

    def norm(self, s, seen=()):
        """-> (schema without $ref/allOf, nullable)"""
        nullable = False
        while True:
            if '$ref' in s:
                r = s['$ref']
                if r in seen:
                    return {'type': 'object', '_cycle': True}, nullable
                seen = seen + (r,)
                extra = {k: v for k, v in s.items() if k != '$ref'}
                s = dict(self.ref(r)); s.update({k: v for k, v in extra.items() if k in ('nullable',)})
                name = r.rsplit('/', 1)[-1]
                if name in self.ref_formats and 'format' not in s:
                    s['format'] = self.ref_formats[name]
                continue
            if 'allOf' in s:
                out = {k: v for k, v in s.items() if k != 'allOf'}
                props, req = dict(out.get('properties', {})), list(out.get('required', []))
                for part in s['allOf']:
                    p, n = self.norm(part, seen)
                    props.update(p.get('properties', {})); req += p.get('required', [])
                    for k in ('type', 'enum', 'format', 'items', 'additionalProperties'):
                        if k in p and k not in out: out[k] = p[k]
                if props: out['properties'] = props; out['type'] = 'object'
                out['required'] = req
                s = out
                continue
            alts = s.get('anyOf') or s.get('oneOf')
            if alts:
                rest = [a for a in alts if a.get('type') != 'null']
                if len(rest) < len(alts): nullable = True
                if len(rest) == 1:
                    base = {k: v for k, v in s.items() if k not in ('anyOf', 'oneOf')}
                    r0 = dict(rest[0]); r0.update({k: v for k, v in base.items() if k not in r0})
                    s = r0
                    continue
                normed = [self.norm(a, seen)[0] for a in rest]
                objs = [a for a in normed if a.get('type') == 'object' or 'properties' in a]
                if len(objs) == len(normed):
                    # Oura: the model, or a dict when `fields` narrows it: the model is the contract.
                    s = objs[0]
                    continue
                types = []
                for a in normed:
                    t = a.get('type', 'any')
                    if t not in types: types.append(t)
                fmts = [FMT.get(a.get('format')) for a in normed if a.get('format')]
                out = {'type': types if len(types) > 1 else types[0]}
                if fmts and len(fmts) == len(normed): out['format'] = '|'.join(dict.fromkeys(fmts))
                props = {}
                for a in normed: props.update(a.get('properties', {}))
                if props: out['properties'] = props
                s = out
                continue
            if s.get('nullable'): nullable = True
            if isinstance(s.get('type'), list):
                ts = [t for t in s['type'] if t != 'null']
                if len(ts) < len(s['type']): nullable = True
                s = dict(s); s['type'] = ts[0] if len(ts) == 1 else ts
            return s, nullable

    def fields(self, schema, prefix='', required=True, out=None, opens=None, depth=0, seen=()):
        if out is None: out, opens = [], []
        s, nullable = self.norm(schema, seen)
        t = s.get('type') or ('object' if 'properties' in s else ('array' if 'items' in s else 'any'))
        if prefix:
            f = {'path': prefix, 'type': t}
            if required: f['required'] = True
            if nullable: f['nullable'] = True
            if s.get('format') in FMT or (isinstance(s.get('format'), str) and '|' in s['format']):
                f['format'] = FMT.get(s['format'], s['format'])
            if 'enum' in s:
                ev = [e for e in s['enum'] if e is not None]
                if None in s['enum']: f['nullable'] = True
                f['enum'] = ev
            desc = s.get('description') or schema.get('description')
            if desc: f['description'] = re.sub(r'\s+', ' ', re.sub('<[^>]+>', ' ', str(desc))).strip()[:160]
            out.append(f)
        if depth > 8 or s.get('_cycle'):
            return out, opens
        if t == 'object' or (isinstance(t, list) and 'object' in t):
            props = s.get('properties', {})
            req = set(s.get('required', []))
            ap = s.get('additionalProperties')
            for k, v in props.items():
                self.fields(v, f'{prefix}.{k}' if prefix else k, k in req, out, opens, depth + 1)
            if isinstance(ap, dict) and ap:
                self.fields(ap, f'{prefix}.*' if prefix else '*', False, out, opens, depth + 1)
            elif not props or ap is True or ap == {}:
                opens.append(prefix)
        elif t == 'array' and 'items' in s:
            self.fields(s['items'], prefix + '[]', False, out, opens, depth + 1)
        return out, opens

    def param(self, p):
        if '$ref' in p: p = self.ref(p['$ref'])
        s, nullable = self.norm(p.get('schema', {k: v for k, v in p.items() if k in ('type', 'format', 'enum', 'items')}))
        out = {'name': p['name'], 'in': {'formData': 'form'}.get(p['in'], p['in'])}
        t = s.get('type', 'string')
        out['type'] = t
        fmt = s.get('format') or p.get('format')
        if fmt in FMT or (isinstance(fmt, str) and '|' in fmt): out['format'] = FMT.get(fmt, fmt)
        if s.get('enum'): out['enum'] = s['enum']
        if t == 'array' and s.get('items', {}).get('enum'):
            out['type'] = 'string'; out['format'] = 'csv'; out['enum'] = s['items']['enum']
        for k in ('minimum', 'maximum'):
            if k in s: out[k] = s[k]
        if p.get('required'): out['required'] = True
        if p.get('description'): out['description'] = re.sub(r'\s+', ' ', re.sub('<[^>]+>', ' ', p['description'])).strip()[:200]
        return out

    def route(self, op_id, rid, path=None, method=None, success='200'):
        p, m, op, common = self.ops[op_id]
        r = {'id': rid, 'method': method or m, 'path': path or p, 'source_ref': f'operationId {op.get("operationId", op_id)}'}
        params = [self.param(x) for x in list(common) + op.get('parameters', [])]
        rb = op.get('requestBody', {}).get('content', {})
        for ct, c in rb.items():
            if 'form' in ct:
                sch, _ = self.norm(c.get('schema', {}))
                req = set(sch.get('required', []))
                for k, v in sch.get('properties', {}).items():
                    params.append(self.param({'name': k, 'in': 'form', 'schema': v, 'required': k in req, 'description': v.get('description', '')}))
        r['params'] = params
        resp = op.get('responses', {})
        ok = resp.get(success) or resp.get(int(success)) or {}
        sch = (ok.get('content', {}).get('application/json', {}) or {}).get('schema')
        fields, opens = self.fields(sch) if sch else ([], [''])
        ex = (ok.get('content', {}).get('application/json', {}) or {}).get('example')
        body = {'status': int(success), 'fields': fields}
        if opens: body['open'] = opens
        if ex is not None: body['example'] = ex
        r['response'] = body
        errs = []
        for st, e in resp.items():
            st = int(st) if str(st).isdigit() else None
            if st is None or 200 <= st < 300: continue
            if '$ref' in e: e = self.ref(e['$ref'])
            er = {'status': st, 'meaning': re.sub(r'\s+', ' ', e.get('description', '')).strip()[:200]}
            es = (e.get('content', {}).get('application/json', {}) or {}).get('schema')
            if es:
                ef, eo = self.fields(es)
                er['body'] = {'fields': ef}
                if eo: er['body']['open'] = eo
            errs.append(er)
        r['errors'] = errs
        return r

def _example(self, schema, depth=0):
    s, _ = self.norm(schema)
    if 'example' in s:
        return s['example'], True
    if 'example' in schema:
        return schema['example'], True
    if depth > 8:
        return None, False
    t = s.get('type')
    if t == 'object' or 'properties' in s:
        out = {}
        for k, v in s.get('properties', {}).items():
            x, ok = _example(self, v, depth + 1)
            if ok:
                out[k] = x
        return out, bool(out)
    if t == 'array' and 'items' in s:
        x, ok = _example(self, s['items'], depth + 1)
        return ([x], True) if ok else ([], False)
    return None, False

def route_example(self, op_id, success='200'):
    op = self.ops[op_id][2]
    ok = op['responses'].get(success) or op['responses'].get(int(success))
    sch = ok['content']['application/json']['schema']
    x, _ = _example(self, sch)
    return x

Spec.example = route_example
