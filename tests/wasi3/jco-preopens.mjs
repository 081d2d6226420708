// jco-preopens.mjs — for reference.sh: `jco run --jco-import` this module
// so that preview3-shim preopens the current directory as "." (the
// default is no preopen at all), as `wacc run --dir .::.` does.
import { _setPreopens } from '@bytecodealliance/preview3-shim/filesystem';
_setPreopens({ '.': process.cwd() });
