-- Headless Neovim 0.7 as an LSP client of layerwise-language-server (stdio): opens a Dockerfile, waits for the
-- server's diagnostics, asks for a hover, prints results as `RESULT <json>` and exits 0 (or cquit 1 on failure).
-- Run: nvim --headless --clean -c 'luafile check.lua'  with LAYERWISE_SERVER and LAYERWISE_FILE in the environment.
local server = os.getenv('LAYERWISE_SERVER')
local file = os.getenv('LAYERWISE_FILE')
local hover_line = tonumber(os.getenv('LAYERWISE_HOVER_LINE') or '0')
local out = {}
local function finish(ok)
  io.stdout:write('RESULT ' .. vim.fn.json_encode(out) .. '\n')
  for _, c in pairs(vim.lsp.get_active_clients()) do c.stop(true) end
  vim.wait(500)
  if ok then vim.cmd('qall!') else vim.cmd('cquit 1') end
end
local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'dockerfile'
  local id = vim.lsp.start_client({
    name = 'layerwise',
    cmd = { 'node', server, '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    init_options = { debounceMs = 50 },
  })
  out.client = id ~= nil
  vim.lsp.buf_attach_client(buf, id)
  out.diagnostics_arrived = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code
    if code == nil and d.user_data and d.user_data.lsp then code = d.user_data.lsp.code end
    table.insert(out.diagnostics, { line = d.lnum, source = d.source, code = code, message = d.message })
  end
  vim.api.nvim_win_set_cursor(0, { hover_line + 1, 0 })
  local resp = vim.lsp.buf_request_sync(buf, 'textDocument/hover', vim.lsp.util.make_position_params(), 10000)
  out.hover = ''
  for _, r in pairs(resp or {}) do
    if r.result and r.result.contents then
      local c = r.result.contents
      out.hover = out.hover .. (type(c) == 'table' and (c.value or '') or tostring(c))
    end
  end
  local lenses = vim.lsp.buf_request_sync(buf, 'textDocument/codeLens', { textDocument = vim.lsp.util.make_text_document_params() }, 10000)
  out.lenses = 0
  for _, r in pairs(lenses or {}) do out.lenses = out.lenses + #(r.result or {}) end
end)
if not ok then out.error = tostring(err) end
finish(ok)
