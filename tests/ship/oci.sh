#!/usr/bin/env bash
# OCI registry: Debian's docker-registry on 127.0.0.1 (htpasswd auth) and a
# bearer-token front (registry_proxy.py). push (monolithic, chunked,
# cross-repository mount), pull, run oci://, the media types as skopeo sees
# them, skopeo copy to another repository, signatures pushed and checked, a
# blob corrupted on the registry's disk, and broken registry answers.
# usage: oci.sh WACC SRCDIR
set -u
WACC=$(realpath "$1"); SRC=$(realpath "$2")
REG=$(command -v docker-registry || command -v registry) || { echo "skip: docker-registry not installed (scripts/deps.sh)"; exit 77; }
command -v htpasswd >/dev/null || { echo "skip: htpasswd (apache2-utils) not installed"; exit 77; }
command -v clang-19 >/dev/null || { echo "skip: clang-19 not found"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not found"; exit 77; }
T=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export XDG_CACHE_HOME=$T/cache XDG_CONFIG_HOME=$T/config HOME=$T/home
export SOURCE_DATE_EPOCH=1700000000     # identical configs: mountable across repositories
unset WACC_VERIFY_KEYS WACC_REQUIRE_SIGNATURES REGISTRY_AUTH_FILE XDG_RUNTIME_DIR
mkdir -p "$HOME"
cd "$T"
fail=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(free_port); PX=$(free_port)
htpasswd -BbnC 4 alice secret >htpasswd 2>/dev/null
cat >config.yml <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $T/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$P
auth:
  htpasswd:
    realm: wacc-test
    path: $T/htpasswd
YML
"$REG" serve config.yml >registry.log 2>&1 & PIDS+=($!)
python3 "$SRC/tests/ship/registry_proxy.py" "$PX" "$P" >proxy.log 2>&1 & PIDS+=($!)
for i in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$P/v2/" && curl -s -o /dev/null "http://127.0.0.1:$PX/v2/" && break
  sleep 0.1
done
R=127.0.0.1:$P
# one_line NAME CMD...: fails with exactly one line on stderr
one_line() {
  local name=$1; shift
  "$@" >out 2>err; local rc=$?
  if [ $rc -ne 0 ] && [ "$(wc -l <err)" -eq 1 ]; then ok "$name: $(cat err)"; else bad "$name: rc=$rc"; cat err; fi
}
runs() {  # runs NAME CMD...: prints hello's output
  local name=$1; shift
  "$@" >out 2>err
  if grep -q "hello, world" out; then ok "$name"; else bad "$name"; cat err; fi
}

clang-19 --target=wasm32-wasi -O1 -o hello.wasm "$SRC/tests/programs/hello.c" || exit 1
"$WACC" compile -O1 hello.wasm -o hello.so || exit 1
"$WACC" keygen -o key >/dev/null && "$WACC" keygen -o other >/dev/null

# auth: none -> one line; then credentials from $REGISTRY_AUTH_FILE
one_line "push without credentials" "$WACC" push --insecure "$R/team/hello:1" hello.wasm
A=$(printf alice:secret | base64)
printf '{"auths":{"%s":{"auth":"%s"},"http://127.0.0.1:%s":{"auth":"%s"}}}' "$R" "$A" "$PX" "$A" >auth.json
export REGISTRY_AUTH_FILE=$T/auth.json
one_line "push over https to a plain-HTTP registry (no --insecure)" "$WACC" push "$R/team/hello:1" hello.wasm
"$WACC" push --insecure --sign key "$R/team/hello:1" hello.wasm --native hello.so >push.out 2>&1 \
  && ok "push with a native build, signed" || { bad "push"; cat push.out; }

if command -v skopeo >/dev/null; then
  skopeo inspect --tls-verify=false --raw "docker://$R/team/hello:1" >index.json 2>&1
  grep -q '"application/vnd.oci.image.index.v1+json"' index.json && grep -q '"architecture":"wasm"' index.json \
    && ok "skopeo: the tag is an image index with a wasm platform" || { bad "skopeo index"; cat index.json; }
  wd=$(python3 -c 'import json,sys; print([m["digest"] for m in json.load(open("index.json"))["manifests"] if m["platform"]["architecture"]=="wasm"][0])')
  curl -s -u alice:secret -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$R/v2/team/hello/manifests/$wd" >wasm.json
  python3 - wasm.json <<'PY' && ok "skopeo: Wasm OCI artifact media types" || bad "wasm manifest media types"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
assert m["config"]["mediaType"] == "application/vnd.wasm.config.v0+json"
assert [l["mediaType"] for l in m["layers"]] == ["application/wasm"]
assert "dev.wacc.signature" in m["layers"][0]["annotations"]
assert "org.opencontainers.image.created" in m["annotations"]
PY
  cd_=$(python3 -c 'import json; print(json.load(open("wasm.json"))["config"]["digest"])')
  curl -s -u alice:secret "http://$R/v2/team/hello/blobs/$cd_" >config.json
  python3 - config.json <<'PY' && ok "Wasm OCI config: architecture/os/layerDigests" || { bad "config"; cat config.json; }
import json, sys
c = json.load(open(sys.argv[1]))
assert c["architecture"] == "wasm" and c["os"] == "wasip1" and len(c["layerDigests"]) == 1
PY
else
  echo "note: skopeo not installed: media types not cross-checked"
fi

"$WACC" pull --insecure -o pulled --verify-key key.pub "$R/team/hello:1" >pull.out 2>&1 \
  && [ -f pulled/hello.wasm ] && [ -f pulled/hello.so ] && [ -f pulled/hello.so.sig ] \
  && ok "pull -o DIR --verify-key: wasm + native build + signatures" || { bad "pull"; cat pull.out; ls pulled; }
cmp -s pulled/hello.wasm hello.wasm && cmp -s pulled/hello.so hello.so && ok "pulled bytes are the pushed bytes" || bad "pulled bytes differ"
one_line "pull, wrong key" "$WACC" pull --insecure -o wrong --verify-key other.pub "$R/team/hello:1"
[ ! -e wrong/hello.wasm ] && ok "nothing written after a refused pull" || bad "refused pull wrote files"
runs "run oci:// --verify-key" "$WACC" run --insecure --verify-key key.pub "oci://$R/team/hello:1"
one_line "run oci://, wrong key" "$WACC" run --insecure --verify-key other.pub "oci://$R/team/hello:1"
one_line "pull of a missing tag" "$WACC" pull --insecure "$R/team/hello:nope"

# unsigned artifact: runs without a policy, refused with one
"$WACC" push --insecure "$R/team/unsigned:1" hello.wasm --native hello.so >/dev/null 2>&1
runs "run oci:// unsigned, no policy" "$WACC" run --insecure "oci://$R/team/unsigned:1"
one_line "run oci:// unsigned, --verify-key" "$WACC" run --insecure --verify-key key.pub "oci://$R/team/unsigned:1"
# wacc serve takes oci:// too (positional and --route): pulled, verified, then
# (hello is a command, not a wasi:http service) refused by the server itself
one_line "serve oci:// unsigned, --verify-key" "$WACC" serve --addr 127.0.0.1:0 --insecure \
  --verify-key key.pub "oci://$R/team/unsigned:1"
grep -q "not signed" err || bad "serve unsigned: $(cat err)"
one_line "serve --route /x=oci:// signed, pulled and verified" "$WACC" serve --addr 127.0.0.1:0 \
  --insecure --verify-key key.pub --route "/x=oci://$R/team/hello:1" "oci://$R/team/hello:1"
grep -q "incoming-handler" err || bad "serve oci:// route: $(cat err)"

# cross-repository mount: the store knows team/hello holds these blobs
"$WACC" push --insecure -v --sign key "$R/team/mounted:1" hello.wasm --native hello.so >mount.out 2>&1
grep -q "mount=sha256" mount.out && ! grep -q "blobs/uploads/[^?]*?_state" mount.out \
  && ok "cross-repository mount (no blob bytes uploaded)" || { bad "mount"; cat mount.out; }
runs "run the mounted artifact" "$WACC" run --insecure --verify-key key.pub "oci://$R/team/mounted:1"

# chunked upload (64 KiB chunks) into a fresh repository, with a fresh store
rm -rf "$XDG_CACHE_HOME/wacc/oci"; "$WACC" push --insecure -v --chunk-size 65536 --sign key "$R/team/chunked:1" hello.wasm --native hello.so >chunk.out 2>&1
[ "$(grep -c 'PATCH' chunk.out)" -ge 2 ] && ok "chunked upload ($(grep -c PATCH chunk.out) PATCH requests)" || { bad "chunked"; cat chunk.out; }
rm -rf "$XDG_CACHE_HOME/wacc/oci"; runs "run the chunked upload" "$WACC" run --insecure --verify-key key.pub "oci://$R/team/chunked:1"

# skopeo copy to another repository: pulls and runs
if command -v skopeo >/dev/null; then
  if skopeo copy --all --src-tls-verify=false --dest-tls-verify=false --src-creds alice:secret --dest-creds alice:secret \
       "docker://$R/team/hello:1" "docker://$R/copied/hello:2" >copy.out 2>&1; then
    rm -rf "$XDG_CACHE_HOME/wacc/oci"; runs "skopeo-copied artifact pulls and runs" "$WACC" run --insecure --verify-key key.pub "oci://$R/copied/hello:2"
  else
    bad "skopeo copy"; cat copy.out
  fi
fi

# bearer token flow (WWW-Authenticate: Bearer realm=...) through the front
X=127.0.0.1:$PX
rm -rf "$XDG_CACHE_HOME/wacc/oci"; "$WACC" push --insecure --sign key "$X/bearer/hello:1" hello.wasm --native hello.so >bearer.out 2>&1 \
  && ok "push with the bearer token flow" || { bad "bearer push"; cat bearer.out; }
rm -rf "$XDG_CACHE_HOME/wacc/oci"; runs "run oci:// with the bearer token flow" "$WACC" run --insecure --verify-key key.pub "oci://$X/bearer/hello:1"
rm -rf "$XDG_CACHE_HOME/wacc/oci"; one_line "bearer, wrong credentials" "$WACC" pull --insecure --creds alice:wrong "$X/bearer/hello:1"

# broken registry answers: one line each, no crash
for repo in json digest 500 short; do
  one_line "broken registry ($repo)" "$WACC" pull --insecure "$X/broken/$repo:1"
done
one_line "nothing listening" "$WACC" pull --insecure "127.0.0.1:1/x/y:1"
one_line "bad reference" "$WACC" pull "no-registry-here"

# two native builds (x86-64-v2, x86-64-v3): the pull takes the highest
# baseline this CPU loads (v3 when it has AVX2, else v2)
"$WACC" compile -O0 --cpu x86-64-v2 hello.wasm -o v2.so && "$WACC" compile -O0 --cpu x86-64-v3 hello.wasm -o v3.so
"$WACC" push --insecure "$R/team/multi:1" hello.wasm --native v2.so --native v3.so >/dev/null 2>&1
rm -rf "$XDG_CACHE_HOME/wacc/oci"; "$WACC" pull --insecure -o multi "$R/team/multi:1" >multi.out 2>&1
want=x86-64-v2; grep -qw avx2 /proc/cpuinfo && want=x86-64-v3
"$WACC" inspect multi/hello.so 2>/dev/null | grep -q "cpu baseline: $want" && ok "pull picked the $want build" \
  || { bad "native build choice (wanted $want)"; cat multi.out; "$WACC" inspect multi/hello.so | head -7; }
grep -q '"variant":"v3"' <(curl -s -u alice:secret -H "Accept: application/vnd.oci.image.index.v1+json" "http://$R/v2/team/multi/manifests/1") \
  && ok "index platform variant v3" || bad "index variant"

# a component: os wasip2, its own imports/exports and target world in the config (the
# cached real-component corpus; skipped when it cannot be built here)
if "$SRC/scripts/build-components.sh" -o "$T/comp" hello >/dev/null 2>&1 && [ -f "$T/comp/hello.component.wasm" ]; then
  C=$T/comp/hello.component.wasm
  "$WACC" push --insecure "$R/team/component:1" "$C" >comp.out 2>&1
  m=$(curl -s -u alice:secret -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$R/v2/team/component/manifests/1")
  cd_=$(printf '%s' "$m" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
  curl -s -u alice:secret "http://$R/v2/team/component/blobs/$cd_" >cconfig.json
  python3 - cconfig.json <<'PY' && ok "component config: wasip2, imports/exports from its types ($(head -c 160 cconfig.json)...)" || { bad "component config"; cat comp.out cconfig.json; }
import json, sys
c = json.load(open(sys.argv[1]))
assert c["os"] == "wasip2" and c["architecture"] == "wasm"
assert any(i.startswith("wasi:cli/") for i in c["component"]["imports"])
assert "wasi:cli/run@0.2.0" in [e.split("@")[0] + "@0.2.0" for e in c["component"]["exports"]]
run = [e for e in c["component"]["exports"] if e.startswith("wasi:cli/run@")][0]
assert c["component"]["target"] == "wasi:cli/command@" + run.split("@")[1], c["component"]
PY
  if command -v skopeo >/dev/null; then
    # skopeo inspect --config refuses non-image configs: inspect --raw names
    # the config, skopeo copy to dir: fetches it
    skopeo inspect --tls-verify=false --creds alice:secret --raw "docker://$R/team/component:1" >smanifest.json 2>&1 &&
      skopeo copy -q --src-tls-verify=false --src-creds alice:secret "docker://$R/team/component:1" dir:skdir >skopeo.log 2>&1
    python3 - smanifest.json skdir <<'PY' && ok "skopeo: component config with target $(cat skdir/target 2>/dev/null)" || { bad "skopeo config"; cat smanifest.json skopeo.log; }
import json, sys, os
m = json.load(open(sys.argv[1]))
assert m["config"]["mediaType"] == "application/vnd.wasm.config.v0+json", m["config"]
c = json.load(open(os.path.join(sys.argv[2], m["config"]["digest"].split(":")[1])))
open(os.path.join(sys.argv[2], "target"), "w").write(c["component"]["target"])
assert c["architecture"] == "wasm" and c["os"] == "wasip2", c
assert c["component"]["target"].startswith("wasi:cli/command@0.2."), c["component"]
assert c["component"]["exports"] and c["component"]["imports"]
PY
  fi
else
  echo "note: no hello component (node/jco missing): component config not checked"
fi

# a blob corrupted on the registry's disk is refused on pull
blob=$(python3 -c 'import json; print([l for l in json.load(open("wasm.json"))["layers"]][0]["digest"][7:])' 2>/dev/null)
f=$T/data/docker/registry/v2/blobs/sha256/${blob:0:2}/$blob/data
if [ -n "$blob" ] && [ -f "$f" ]; then
  printf 'X' | dd of="$f" bs=1 seek=1000 conv=notrunc status=none
  rm -rf "$XDG_CACHE_HOME/wacc/oci"; one_line "blob corrupted on the registry's disk" "$WACC" pull --insecure -o corrupt "$R/team/hello:1"
  grep -q "does not match its digest" err || bad "corruption message: $(cat err)"
  [ ! -e corrupt/hello.wasm ] && ok "nothing written after a digest mismatch" || bad "corrupt pull wrote files"
else
  bad "cannot find the layer blob on the registry's disk"
fi
exit $fail
