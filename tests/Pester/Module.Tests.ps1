#Requires -Version 7.4
# The module as a whole: manifest, exports, conformance of every cmdlet, help, native git, isolation.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Commands = @(Get-Command -Module Msgcode | ForEach-Object { @{ Name = $_.Name; Verb = $_.Verb } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Module = Get-Module Msgcode
    $script:MutatingVerbs = @('New', 'Set', 'Remove', 'Reset', 'Clear', 'Close', 'Add', 'Install', 'Uninstall', 'Start', 'Stop',
        'Restart', 'Enable', 'Disable', 'Invoke', 'Update', 'Register', 'Unregister', 'Move', 'Rename', 'Copy', 'Publish', 'Save', 'Import', 'Write')
    $script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'The module manifest and its exports' {
    It 'declares its exports explicitly and targets PowerShell 7.4 Core' {
        $manifest = Import-PowerShellDataFile (Get-TestModulePath)
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        foreach ($key in 'CmdletsToExport', 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $manifest.ContainsKey($key) | Should -BeTrue -Because "$key must be explicit"
            @($manifest[$key]) | ForEach-Object { $_ | Should -Not -Match '\*' }
        }
        $manifest.FormatsToProcess | Should -Contain 'Msgcode.Format.ps1xml'
        $manifest.ModuleVersion | Should -Not -Be '0.0.0' -Because 'the build stamps the version from Directory.Build.props'
        $props = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '..' '..' 'Directory.Build.props'))
        $manifest.ModuleVersion | Should -Be (@($props.Project.PropertyGroup.MsgcodeVersion | Where-Object { $_ })[0])
    }

    It 'exports exactly the cmdlets the assembly implements' {
        $implemented = $script:Module.ImplementingAssembly.GetTypes() |
            Where-Object { $_.IsPublic -and -not $_.IsAbstract -and $_.IsSubclassOf([System.Management.Automation.Cmdlet]) } |
            ForEach-Object { $attr = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($attr.VerbName)-$($attr.NounName)" }
        @($script:Module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($implemented | Sort-Object)
    }

    It 'ships no PowerShell assembly and keeps third-party assemblies under Dependencies' {
        $base = $script:Module.ModuleBase
        Get-ChildItem $base -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
        @(Get-ChildItem $base -Filter *.dll).Name | Should -Be @('Msgcode.PowerShell.dll')
        Test-Path (Join-Path $base 'Dependencies' 'LibGit2Sharp.dll') | Should -BeTrue
        Test-Path (Join-Path $base 'Dependencies' 'Msgcode.Core.dll') | Should -BeTrue
    }
}

Describe 'Native git through the module' {
    It 'loads libgit2 from Dependencies/runtimes/<rid>/native when LibGit2Sharp is called through a cmdlet' {
        $info = Get-MsgcodeVersion
        $info.LibGit2Version | Should -Match 'libgit2'
        $info.Version | Should -Be $script:Module.Version.ToString()
    }

    It 'keeps its LibGit2Sharp in its own load context, apart from another copy loaded first in the session' {
        $copy = Join-Path $TestDrive 'other-module'
        New-Item -ItemType Directory -Path $copy | Out-Null
        Copy-Item (Join-Path $script:Module.ModuleBase 'Dependencies' 'LibGit2Sharp.dll') $copy
        $dll = Join-Path $copy 'LibGit2Sharp.dll'
        $result = Invoke-TestPwsh -Script @"
`$ErrorActionPreference = 'Stop'
`$info = Get-MsgcodeVersion
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'LibGit2Sharp' }
`$contexts = `$loaded | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }
"version=`$(`$info.LibGit2Version)"
"contexts=`$((`$contexts | Sort-Object) -join ',')"
"@ -Environment @{ MSGCODE_HOME = (Join-Path $TestDrive 'iso-home') }
        # Now load a foreign copy into the default context before the module, as another module would.
        $pwsh = Get-TestPwsh
        $exe = $pwsh[0]; $prefix = @($pwsh | Select-Object -Skip 1)
        $script = "[void][Reflection.Assembly]::LoadFrom('$dll'); Import-Module '$(Get-TestModulePath)'; `$i = Get-MsgcodeVersion; `$ctx = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'LibGit2Sharp' } | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }; 'ok=' + (`$i.LibGit2Version -match 'libgit2'); 'contexts=' + ((`$ctx | Sort-Object) -join ',')"
        $out = & $exe @prefix -NoProfile -NonInteractive -Command $script 2>&1 | ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | Should -Contain 'ok=True'
        $out | Should -Contain 'contexts=Default,Msgcode'
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Contain 'contexts=Msgcode'
    }

    It 'imports and runs with no git on PATH' {
        $result = Invoke-TestPwsh -Script "`$env:PATH = ''; (Get-MsgcodeVersion).LibGit2Version" -Environment @{ MSGCODE_HOME = (Join-Path $TestDrive 'nogit-home') }
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output[-1] | Should -Match 'libgit2'
    }
}

Describe 'Conformance of <Name>' -ForEach $script:Commands {
    BeforeAll {
        $script:Command = Get-Command $Name
        $script:Help = Get-Help $Name -Full
    }

    It 'declares [OutputType]' {
        $script:Command.OutputType.Count | Should -BeGreaterThan 0
    }

    It 'has a format view for every output type' {
        foreach ($type in $script:Command.OutputType | Where-Object { $_.Name -like 'Msgcode.*' }) {
            Get-FormatData -TypeName $type.Name | Should -Not -BeNullOrEmpty -Because "$($type.Name) needs a view in Msgcode.Format.ps1xml"
        }
    }

    It 'supports ShouldProcess when its verb mutates' {
        if ($Verb -in $script:MutatingVerbs) {
            $script:Command.Parameters.Keys | Should -Contain 'WhatIf'
            $script:Command.Parameters.Keys | Should -Contain 'Confirm'
        }
    }

    It 'has help: synopsis, description and at least one example' {
        $script:Help.Synopsis | Should -Not -BeNullOrEmpty
        $script:Help.Synopsis.Trim() | Should -Not -BeLike "$Name *" -Because 'an auto-generated synopsis is just the syntax'
        ($script:Help.description.Text -join '') | Should -Not -BeNullOrEmpty
        @($script:Help.examples.example).Count | Should -BeGreaterOrEqual 1
        @($script:Help.examples.example)[0].code | Should -Match $Name
    }

    It 'documents every parameter' {
        $documented = @($script:Help.parameters.parameter.name)
        foreach ($parameter in $script:Command.Parameters.Keys) {
            if ($parameter -in $script:CommonParameters) { continue }
            $documented | Should -Contain $parameter -Because "-$parameter of $Name needs a section in help/$Name.md"
            $description = ($script:Help.parameters.parameter | Where-Object name -EQ $parameter).description.Text -join ''
            $description | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }
}

Describe 'Help' {
    It 'shows synopsis, description, every parameter and a working example for Get-MsgcodeEffectiveConfig' {
        $text = Get-Help Get-MsgcodeEffectiveConfig -Full | Out-String -Width 200
        $text | Should -Match 'SYNOPSIS'
        $text | Should -Match 'DESCRIPTION'
        foreach ($p in '-Name', '-Workspace', '-Explain') { $text | Should -Match ([regex]::Escape($p)) }
        $text | Should -Match 'EXAMPLE 1|Example 1'
    }

    It 'runs the examples of every Get- cmdlet without error' {
        $homePath = Join-Path $TestDrive 'examples-home'
        $userHome = Join-Path $TestDrive 'examples-user'
        New-Item -ItemType Directory -Path $homePath, (Join-Path $userHome 'msgcode-workspaces' 'acme') | Out-Null   # the workspace the examples name
        foreach ($command in Get-Command -Module Msgcode -Verb Get) {
            foreach ($example in @((Get-Help $command.Name -Full).examples.example)) {
                $code = ($example.code -split "`n" | Where-Object { $_ -notmatch '^\s*(PS>|#)' -and $_ -notmatch '^\s*$' }) -join "`n"
                # Placeholders (<path>, a sample task id such as tsk_01jd) need real objects; -Follow never ends.
                if ($code -match '<[^>]+>' -or $code -match '-Follow' -or $code -match '\btsk_[0-9a-z]{2,6}\b') { continue }
                $result = Invoke-TestPwsh -Script "`$ErrorActionPreference = 'Stop'; Set-Location '$TestDrive'; & {`n$code`n} | Out-Null; 'example-ok'" -Environment @{ MSGCODE_HOME = $homePath; HOME = $userHome }
                $result.Output | Should -Contain 'example-ok' -Because "example '$($example.title)' of $($command.Name) must run: $($result.Output -join "`n")"
            }
        }
    }

    It 'lists an about_ topic for every area with Get-Help about_Msgcode*' {
        $topics = @(Get-Help about_Msgcode* | ForEach-Object Name)
        foreach ($area in '', '_Tasks', '_Runners', '_Worktrees', '_Daemon', '_Jobs', '_Chats', '_Configuration', '_Security') {
            $topics | Should -Contain "about_Msgcode$area"
        }
        foreach ($topic in $topics) {
            (Get-Help $topic | Out-String) | Should -Match 'SHORT DESCRIPTION' -Because "$topic must be a built about topic"
        }
    }

    It 'has about_Msgcode' {
        $about = Get-Help about_Msgcode | Out-String
        $about | Should -Match 'msgcode'
        $about | Should -Match 'Get-MsgcodeEffectiveConfig'
    }
}
