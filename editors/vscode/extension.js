// The wfc extension: starts `wfc lsp` (path from the `wfc.server.path`
// setting) and connects VS Code's language client to it for .wf files.
'use strict';
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration('wfc');
  const command = config.get('server.path') || 'wfc';
  const args = ['lsp', ...(config.get('server.extraArgs') || [])];
  return { run: { command, args }, debug: { command, args } };
}

async function start(context) {
  client = new LanguageClient('wfc', 'wfc', serverOptions(), {
    documentSelector: [{ language: 'wf' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.wf') },
  });
  try {
    await client.start();
  } catch (err) {
    const path = vscode.workspace.getConfiguration('wfc').get('server.path');
    vscode.window.showErrorMessage(
      `wfc: could not start the language server (\`${path} lsp\`): ${err.message || err}. ` +
        'Install wfc (`cargo install --path .`) or set "wfc.server.path".'
    );
  }
}

async function activate(context) {
  await start(context);
  context.subscriptions.push(
    vscode.commands.registerCommand('wfc.restartServer', async () => {
      if (client) await client.stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('wfc.server')) {
        if (client) await client.stop();
        await start(context);
      }
    })
  );
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
