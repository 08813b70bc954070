# Memory (issue: memory). 10,000 notes in 100 day files; search through Lucene.Net against the obvious
# reference, a linear Select-String scan of the same files, measured in the same run.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-memory-' + [guid]::NewGuid().ToString('N'))
$ws = Join-Path $scratch 'ws'
$memory = Join-Path $ws 'memory'
New-Item -ItemType Directory -Path $memory -Force | Out-Null
$env:MSGCODE_HOME = Join-Path $scratch 'home'
try {
    # 10,000 notes: English words and Chinese phrases drawn from small vocabularies (deterministic seed),
    # written as the day files Add-MsgcodeMemory writes.
    $random = [Random]::new(42)
    $english = 'deploy staging database migration invoice customer meeting budget release review server latency backup password rotate schedule design report incident network cache index query token'.Split(' ')
    $chinese = '部署', '测试环境', '数据库', '迁移', '会议', '产品经理', '设计方案', '发布', '预算', '客户', '备份', '服务器'
    $day = [DateOnly]::new(2026, 1, 1)
    for ($d = 0; $d -lt 100; $d++) {
        $date = $day.AddDays($d).ToString('yyyy-MM-dd')
        $text = [Text.StringBuilder]::new("# Memory $date`n")
        for ($n = 0; $n -lt 100; $n++) {
            $words = (1..(8 + $random.Next(24)) | ForEach-Object { if ($random.Next(4) -eq 0) { $chinese[$random.Next($chinese.Count)] } else { $english[$random.Next($english.Count)] } }) -join ' '
            $note = "`n## {0:00}:{1:00}:{2:00} · #{3}`n`nnote {4}-{5} {6}`n" -f ($n % 24), $random.Next(60), $random.Next(60), $english[$random.Next($english.Count)], $d, $n, $words
            [void]$text.Append($note)
        }
        [IO.File]::WriteAllText((Join-Path $memory "$date.md"), $text.ToString())
    }

    $measure = @"
Import-Module '$ModulePath'
Import-Module '$(Join-Path $PSScriptRoot 'BenchTools.psm1')'
`$ws = '$ws'
`$files = Join-Path `$ws 'memory' '*.md'
`$build = (Measure-Command { `$null = Search-MsgcodeMemory deploy -Workspace `$ws }).TotalMilliseconds
`$queries = 'deploy staging', 'invoice', 'latency backup', 'rotate', '数据库', '产品经理'
`$i = 0
`$search = Measure-Median -Count 21 -Warmup 3 -Action { `$null = Search-MsgcodeMemory `$queries[`$i++ % `$queries.Count] -Workspace `$ws -Top 10 }
`$cjk = Measure-Median -Count 21 -Warmup 3 -Action { `$null = Search-MsgcodeMemory '测试环境' -Workspace `$ws -Top 10 }
`$i = 0
`$scan = Measure-Median -Count 7 -Warmup 1 -Action { `$null = Select-String -Path `$files -SimpleMatch -Pattern `$queries[`$i++ % `$queries.Count] | Select-Object -First 10 }
`$scanAll = Measure-Median -Count 7 -Warmup 1 -Action { `$null = Select-String -Path `$files -SimpleMatch -Pattern 'deploy' }
`$sw = [Diagnostics.Stopwatch]::StartNew()
1..1000 | ForEach-Object { "appended note `$_ about the deploy" } | Add-MsgcodeMemory -Workspace `$ws
`$add = `$sw.Elapsed.TotalMilliseconds
`$update = Measure-Median -Count 7 -Warmup 0 -Action { Add-MsgcodeMemory 'one more deploy note' -Workspace `$ws; `$null = Search-MsgcodeMemory deploy -Workspace `$ws }
"`$build;`$search;`$cjk;`$scan;`$scanAll;`$add;`$update"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }
    New-BenchResult -Scenario 'Search-MsgcodeMemory' -Metric 'build the index of 10,000 notes (first search)' -Value $parts[0] -Unit 'ms' -Reference $parts[4] `
        -ReferenceName 'one Select-String scan of every note' -Target '<= 10 s' -Met ($parts[0] -le 10000)
    New-BenchResult -Scenario 'Search-MsgcodeMemory' -Metric 'query, top 10 of 10,000 notes (median)' -Value $parts[1] -Unit 'ms' -Reference $parts[3] `
        -ReferenceName 'Select-String -SimpleMatch | Select-Object -First 10 (unranked)' -Target '<= 50 ms, faster than the scan' -Met ($parts[1] -le 50 -and $parts[1] -lt $parts[3])
    New-BenchResult -Scenario 'Search-MsgcodeMemory' -Metric 'Chinese query, top 10 of 10,000 notes (median)' -Value $parts[2] -Unit 'ms' -Target '<= 50 ms' -Met ($parts[2] -le 50)
    $rate = 1000 / ($parts[5] / 1000)
    New-BenchResult -Scenario 'Add-MsgcodeMemory' -Metric 'append 1,000 notes (one pipeline; lock + atomic replace + fsync each)' -Value $rate -Unit 'notes/s' -Target '>= 100/s' -Met ($rate -ge 100)
    New-BenchResult -Scenario 'Search-MsgcodeMemory' -Metric 'add one note, then search (re-indexes that day''s file; median)' -Value $parts[6] -Unit 'ms' -Target '<= 250 ms' -Met ($parts[6] -le 250)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:MSGCODE_HOME -ErrorAction SilentlyContinue
}
