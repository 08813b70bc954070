# Helpers shared by the benchmark scenarios (tests/Bench/*.Bench.ps1). Numbers are printed as ratios
# against references measured in the same run, on the same machine, so they compare across machines.

function Measure-Median {
    # Runs $Action $Count times (after $Warmup unmeasured runs) and returns the median in milliseconds.
    param([Parameter(Mandatory)] [scriptblock] $Action, [int] $Count = 7, [int] $Warmup = 1)
    for ($i = 0; $i -lt $Warmup; $i++) { & $Action | Out-Null }
    $times = for ($i = 0; $i -lt $Count; $i++) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        & $Action | Out-Null
        $sw.Stop()
        $sw.Elapsed.TotalMilliseconds
    }
    $sorted = @($times | Sort-Object)
    return $sorted[[int][Math]::Floor($sorted.Count / 2)]
}

function Invoke-BenchPwsh {
    # Starts a fresh pwsh -NoProfile running $Command; fails on a non-zero exit code.
    param([Parameter(Mandatory)] [string[]] $Pwsh, [Parameter(Mandatory)] [string] $Command)
    $exe = $Pwsh[0]
    $prefix = @($Pwsh | Select-Object -Skip 1)
    $output = & $exe @prefix -NoProfile -NonInteractive -Command $Command
    if ($LASTEXITCODE -ne 0) { throw "pwsh -Command '$Command' failed with exit code $LASTEXITCODE." }
    return $output
}

function New-BenchResult {
    # One line of the report. Ratio = Value / Reference; Target says what the issue asks for.
    param(
        [Parameter(Mandatory)] [string] $Scenario,
        [Parameter(Mandatory)] [string] $Metric,
        [Parameter(Mandatory)] [double] $Value,
        [Parameter(Mandatory)] [string] $Unit,
        [double] $Reference = [double]::NaN,
        [string] $ReferenceName = '',
        [string] $Target = '',
        [Nullable[bool]] $Met = $null
    )
    [pscustomobject]@{
        Scenario  = $Scenario
        Metric    = $Metric
        Value     = [Math]::Round($Value, 2)
        Unit      = $Unit
        Reference = if ([double]::IsNaN($Reference)) { $null } else { [Math]::Round($Reference, 2) }
        Ratio     = if ([double]::IsNaN($Reference) -or $Reference -eq 0) { $null } else { [Math]::Round($Value / $Reference, 2) }
        Against   = $ReferenceName
        Target    = $Target
        Met       = if ($null -eq $Met) { '' } elseif ($Met) { 'yes' } else { 'NO' }
    }
}

Export-ModuleMember -Function Measure-Median, Invoke-BenchPwsh, New-BenchResult
