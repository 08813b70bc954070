# Agent runs (issue: agent runs that really work). References measured in the same run:
#  - overhead: the same real CLI (claude, codex, opencode from npm) run directly with the same arguments and prompt on
#    stdin against the loopback model stand-in, interleaved with Invoke-MsgcodeTask runs of it;
#  - event to progress: a runner that prints one JSON event line every 200 ms stamped with the time it printed it; the
#    information record the cmdlet writes for it carries the time it was written.
# Everything runs in a network namespace with only loopback (unshare, as root on Linux), as the tests do.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

if (-not $IsLinux -or (& id -u) -ne '0' -or -not (Get-Command unshare -ErrorAction SilentlyContinue)) {
    Write-Host '    skipped: the agent CLI bench runs in a loopback-only network namespace (Linux, as root)'
    return
}

$root = Split-Path (Split-Path $PSScriptRoot)
$bin = & (Join-Path $root 'tests' 'AgentClis' 'Install-AgentClis.ps1')
$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-agents-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
try {
    $helpers = Join-Path $root 'tests' 'AgentClis' 'AgentCliHelpers.psm1'
    # The stamped-event runner: one JSON line every 200 ms with the epoch milliseconds it was printed at.
    Set-Content -LiteralPath (Join-Path $scratch 'ticker.sh') -NoNewline -Value @'
#!/bin/sh
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  printf '{"type":"msg","text":"%s"}\n' "$(date +%s%3N)"
  sleep 0.2
done
'@
    & chmod +x (Join-Path $scratch 'ticker.sh')
    $measure = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
`$env:MSGCODE_TEST_AGENT_BIN = '$bin'
`$env:MSGCODE_HOME = '$scratch/home'
Import-Module '$helpers'
Import-Module '$ModulePath'
function Median([double[]] `$values) { (`$values | Sort-Object)[[int][Math]::Floor(`$values.Count / 2)] }
`$standIn = Start-ModelStandIn '$scratch/standin'
`$null = Set-AgentCliEnvironment -StandIn `$standIn -Folder '$scratch/cli'
`$lines = [Collections.Generic.List[string]]::new()
try {
    `$ws = '$scratch/ws'
    New-Item -ItemType Directory -Path `$ws | Out-Null
    `$entries = @{}
    foreach (`$e in (Get-Content -Raw '$(Split-Path $ModulePath)/capabilities.json' | ConvertFrom-Json).runners) { `$entries[`$e.kind] = `$e }
    foreach (`$cli in @(@{ Runner = 'claude'; Model = `$null }, @{ Runner = 'codex'; Model = `$null }, @{ Runner = 'opencode'; Model = 'standin/standin-model' })) {
        `$arguments = @{ Workspace = `$ws; Title = 'bench'; Prompt = 'hello'; Runner = `$cli.Runner }
        if (`$cli.Model) { `$arguments.Model = `$cli.Model }
        `$task = New-MsgcodeTask @arguments
        # The direct run: the entry's own arguments, filled in as msgcode fills them, the prompt on stdin.
        `$direct = foreach (`$a in `$entries[`$cli.Runner].command.arguments) {
            `$a -replace '\{workspace\}', `$ws -replace '\{model\}', (`$cli.Model ?? 'auto') -replace '\{config:claude.permissionMode\}', 'acceptEdits' -replace '\{ifSandboxed:[^|}]*\|([^}]*)\}', '`$1'
        }
        if (-not `$cli.Model) { `$direct = @(`$direct | Where-Object { `$_ -notin '--model', '-m', 'auto' }) }
        `$exe = (Get-Command `$entries[`$cli.Runner].command.executable).Source
        `$null = Invoke-MsgcodeTask -Id `$task.Id -Workspace `$ws -Force   # warm-up: caches, first-run files
        `$pairs = foreach (`$i in 1..7) {
            [pscustomobject]@{
                Invoke = (Measure-Command { `$r = Invoke-MsgcodeTask -Id `$task.Id -Workspace `$ws -Force; if (`$r.Status -ne 'succeeded') { throw "`$(`$cli.Runner): `$(`$r.ErrorMessage)" } }).TotalMilliseconds
                Direct = (Measure-Command {
                    `$info = [Diagnostics.ProcessStartInfo]::new(`$exe)
                    foreach (`$a in `$direct) { `$info.ArgumentList.Add(`$a) }
                    `$info.WorkingDirectory = `$ws; `$info.Environment['PWD'] = `$ws
                    `$info.RedirectStandardInput = `$true; `$info.RedirectStandardOutput = `$true; `$info.RedirectStandardError = `$true
                    `$p = [Diagnostics.Process]::Start(`$info)
                    `$p.StandardInput.Write('hello'); `$p.StandardInput.Close()
                    `$out = `$p.StandardOutput.ReadToEndAsync(); `$err = `$p.StandardError.ReadToEndAsync()
                    `$p.WaitForExit()
                    if (`$p.ExitCode -ne 0) { throw "direct `$(`$cli.Runner) exited `$(`$p.ExitCode): `$(`$err.Result)" }
                }).TotalMilliseconds
            }
        }
        `$lines.Add("`$(`$cli.Runner);`$(Median `$pairs.Invoke);`$(Median `$pairs.Direct)")
    }

    # Event to progress: a runner whose events carry the moment they were printed.
    New-Item -ItemType Directory -Force -Path '$scratch/home' | Out-Null
    `$ticker = '$scratch/ticker.sh'
    @{ version = 1; runners = @(@{ kind = 'ticker'; description = 'prints stamped events'; risk = 'low'
        command = @{ executable = `$ticker; arguments = @(); prompt = 'stdin'; result = @{ from = 'events' }
            events = @{ format = 'jsonl'; rules = @(@{ match = @{ type = 'msg' }; set = @{ message = 'text'; answer = 'text' } }) } } }) } |
        ConvertTo-Json -Depth 8 | Set-Content '$scratch/home/capabilities.json'
    `$task = New-MsgcodeTask -Workspace `$ws -Title 'ticks' -Prompt 'x' -Runner ticker
    `$null = Invoke-MsgcodeTask -Id `$task.Id -Workspace `$ws -InformationVariable said
    `$delays = foreach (`$record in `$said) { `$record.TimeGenerated.ToUniversalTime().Subtract([DateTimeOffset]::FromUnixTimeMilliseconds([long]"`$(`$record.MessageData)").UtcDateTime).TotalMilliseconds }
    `$lines.Add("progress;`$(Median `$delays);`$((`$delays | Measure-Object -Maximum).Maximum);`$(@(`$delays).Count)")
}
finally { Stop-ModelStandIn `$standIn }
`$lines
"@
    $exe = $Pwsh[0]
    $prefix = @($Pwsh | Select-Object -Skip 1)
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($measure))
    $output = & unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh $exe @prefix -NoProfile -NonInteractive -OutputFormat Text -EncodedCommand $encoded
    if ($LASTEXITCODE -ne 0) { throw "The agent CLI bench failed (exit code $LASTEXITCODE): $($output -join "`n")" }
    foreach ($line in $output | Where-Object { $_ -match '^(claude|codex|opencode|progress);' }) {
        $parts = $line -split ';'
        if ($parts[0] -eq 'progress') {
            New-BenchResult -Scenario 'Agent events' -Metric "event printed -> information record (median of $($parts[3]); max $([Math]::Round([double]$parts[2], 1)) ms)" `
                -Value ([double]$parts[1]) -Unit 'ms' -Target '<= 100 ms' -Met ([double]$parts[1] -le 100)
            continue
        }
        $invoke = [double]$parts[1]; $direct = [double]$parts[2]
        New-BenchResult -Scenario "Invoke-MsgcodeTask ($($parts[0]))" -Metric "a real $($parts[0]) run against the stand-in (median of 7, interleaved)" -Value $invoke -Unit 'ms' `
            -Reference $direct -ReferenceName "the same $($parts[0]) command run directly" -Target '<= 1.1x or +150 ms' -Met (($invoke / $direct -le 1.1) -or ($invoke - $direct -le 150))
    }
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
}
