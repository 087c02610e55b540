#!/usr/bin/env python3
"""Compares the API surface of a provider's Pulumi schema with the npm SDK that programs use.

    python3 sdk-surface.py SCHEMA.json|- NODE_SDK_DIR [Resource,module.Resource,...]

SCHEMA is the provider's schema.json, or `-` for stdin, e.g. the schema a built plugin reports:
    pulumi package get-schema <plugin binary> | python3 sdk-surface.py - node_modules/@pulumi/hcloud Server
For every resource (all, or the listed ones and the object types they reference) it lists the input,
output and state property names that only the SDK or only the schema has, and which resources exist
on one side only. A property the SDK has and the plugin lacks is one the plugin cannot honour.
Names are compared, not types; the .d.ts files are parsed with regular expressions.
Exit status: 0 if no difference was found, 1 otherwise.
"""
import json, os, re, sys

schema_path, sdk_dir = sys.argv[1], sys.argv[2]
focus = sys.argv[3].split(",") if len(sys.argv) > 3 and sys.argv[3] else []
schema = json.load(sys.stdin if schema_path == "-" else open(schema_path))

def strip(src):
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    return re.sub(r"//[^\n]*", "", src)

def blocks(src):
    """top-level (depth 0 or inside one namespace) class/interface blocks -> member names"""
    out = {}
    for m in re.finditer(r"(?:export )?(?:declare )?\b(class|interface) (\w+)[^{;]*\{", src):
        kind, name = m.group(1), m.group(2)
        i, depth = m.end(), 1
        while depth and i < len(src):
            depth += {"{": 1, "}": -1}.get(src[i], 0); i += 1
        body = src[m.end():i - 1]
        # members at depth 0 of body
        members, d, line = set(), 0, ""
        for ch in body:
            if ch in "{(<": d += 1; continue
            elif ch in "})>": d -= 1; continue
            elif ch in ";\n" and d == 0:
                mm = re.match(r"\s*(?:readonly\s+)?(\w+)\??\s*:", line)
                if mm and not re.match(r"\s*((static|private|protected)\s+\w|constructor\b)", line):
                    members.add(mm.group(1))
                line = ""; continue
            if d == 0: line += ch
        out.setdefault(name, (kind, set()))[1].update(members)
    return out

def modname(tok):
    """pkg:index/x:Name -> Name; pkg:remote:Name -> remote.Name (the SDK's sub-directory)"""
    _, mod, name = tok.split(":")
    mod = mod.split("/")[0]
    return name if mod == "index" else mod + "." + name

def sdk_file(key):
    d, _, name = key.rpartition(".")
    base = os.path.join(sdk_dir, d)
    if not os.path.isdir(base): return None
    files = {f.lower(): f for f in os.listdir(base) if f.endswith(".d.ts")}
    f = files.get(name.lower() + ".d.ts")
    return os.path.join(base, f) if f else None

types_in = blocks(strip(open(os.path.join(sdk_dir, "types/input.d.ts")).read()))
types_out = blocks(strip(open(os.path.join(sdk_dir, "types/output.d.ts")).read()))

sdk_resources = set()
for root, dirs, files in os.walk(sdk_dir):
    dirs[:] = [d for d in dirs if d not in ("node_modules", "types", "config")]
    rel = os.path.relpath(root, sdk_dir)
    for f in files:
        if f.endswith(".d.ts"):
            s = open(os.path.join(root, f)).read()
            for m in re.finditer(r"export declare class (\w+) extends pulumi\.CustomResource", s):
                sdk_resources.add(m.group(1) if rel == "." else rel.replace(os.sep, ".") + "." + m.group(1))

res = {modname(tok): spec for tok, spec in schema.get("resources", {}).items()}
problems = 0
print(f"schema {schema.get('name')} version={schema.get('version')} resources={len(res)}; sdk classes={len(sdk_resources)}")
for label, names_ in (("SDK", sorted(sdk_resources - set(res))), ("schema", sorted(set(res) - sdk_resources))):
    print(f"resources only in the {label}:", names_ or "none")
    problems += bool(names_) and not focus

def diff(label, a, b):
    global problems
    only_sdk, only_schema = sorted(b - a), sorted(a - b)
    if only_sdk or only_schema:
        problems += 1
        print(f"  {label}: SDK-only {only_sdk}  schema-only {only_schema}")
    return not (only_sdk or only_schema)

names = focus or sorted(set(res) & sdk_resources)
used_types = set()
for n in names:
    spec = res.get(n)
    f = sdk_file(n)
    if spec is None or f is None:
        print(f"{n}: missing (schema={spec is not None}, sdk={f is not None})"); problems += 1; continue
    b = blocks(strip(open(f).read()))
    c = n.rpartition(".")[2]
    ok = diff(f"{n} inputs", set(spec.get("inputProperties", {})), b.get(c + "Args", ("", set()))[1])
    ok &= diff(f"{n} outputs", set(spec.get("properties", {})), b[c][1] - {"urn", "id"})
    ok &= diff(f"{n} state", set(spec.get("stateInputs", {}).get("properties", {})), b.get(c + "State", ("", set()))[1])
    if focus: print(f"{n}: {'same' if ok else 'DIFFERENT'} ({len(spec.get('inputProperties', {}))} inputs, {len(spec.get('properties', {}))} outputs)")
    # referenced object types
    def refs(o):
        if isinstance(o, dict):
            r = o.get("$ref", "")
            if r.startswith("#/types/"): yield r[len("#/types/"):]
            for v in o.values(): yield from refs(v)
        elif isinstance(o, list):
            for v in o: yield from refs(v)
    used_types.update(refs(spec))

# object types (all, or the closure of the focus resources)
stypes = schema.get("types", {})
todo, seen = list(used_types) if focus else list(stypes), set()
while todo:
    t = todo.pop()
    if t in seen or t not in stypes: continue
    seen.add(t)
    for v in json.dumps(stypes[t]).split('"#/types/')[1:]:
        todo.append(v.split('"')[0])
tcount = 0
for t in sorted(seen):
    spec = stypes[t]
    if spec.get("type") != "object": continue
    n = t.split(":")[-1]; n = n[0].upper() + n[1:]
    props = set(spec.get("properties", {}))
    sin, sout = types_in.get(n) or types_in.get(n + "Args"), types_out.get(n)
    if sin is None and sout is None:
        print(f"  type {n}: not in SDK"); problems += 1; continue
    tcount += 1
    # input interface may be absent for output-only types and vice versa
    if sin is not None: diff(f"type {n} (input)", props, sin[1])
    if sout is not None: diff(f"type {n} (output)", props, sout[1])
print(f"checked {len(names)} resources, {tcount} object types: {problems} difference(s)")
sys.exit(1 if problems else 0)
