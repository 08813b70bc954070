# Import time and effective-configuration time (issue: foundation).
# Reference: a fresh `pwsh -NoProfile -c exit`, measured in the same run.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
$env:MSGCODE_HOME = $scratch
try {
    $baseline = Measure-Median -Count 7 -Action { Invoke-BenchPwsh -Pwsh $Pwsh -Command 'exit 0' }
    $withImport = Measure-Median -Count 7 -Action { Invoke-BenchPwsh -Pwsh $Pwsh -Command "Import-Module '$ModulePath'; exit 0" }
    $added = ($withImport - $baseline) / 1000
    New-BenchResult -Scenario 'Import-Module Msgcode' -Metric 'pwsh start + import' -Value $withImport -Unit 'ms' -Reference $baseline `
        -ReferenceName 'pwsh -NoProfile -c exit' -Target 'adds <= 0.25 s' -Met ($added -le 0.25)
    New-BenchResult -Scenario 'Import-Module Msgcode' -Metric 'time added by import' -Value ($added * 1000) -Unit 'ms' -Target '<= 250 ms' -Met ($added -le 0.25)

    # Warm: one pwsh, module imported, a first call made; then the median of 50 calls.
    $measure = @"
Import-Module '$ModulePath'
`$null = Get-MsgcodeEffectiveConfig
`$times = foreach (`$i in 1..50) { (Measure-Command { `$null = Get-MsgcodeEffectiveConfig }).TotalMilliseconds }
`$sorted = @(`$times | Sort-Object)
`$sorted[25]
"@
    $warm = [double](@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1])
    New-BenchResult -Scenario 'Get-MsgcodeEffectiveConfig' -Metric 'all keys, warm (median of 50)' -Value $warm -Unit 'ms' -Reference $baseline `
        -ReferenceName 'pwsh -NoProfile -c exit' -Target '< 50 ms' -Met ($warm -lt 50)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:MSGCODE_HOME -ErrorAction SilentlyContinue
}
