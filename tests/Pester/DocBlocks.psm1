# The PowerShell code blocks of README.md, docs/*.md and the help pages' examples, for Docs.Tests.ps1.
# A block runs unless it is marked as not runnable with a reason: an HTML comment `<!-- not run: reason -->` on the
# last non-blank line before a fenced block, or a first code line `# not run: reason` (the form help examples use,
# since Get-Help shows the code). Blocks of one file share a session, in order, as a reader would type them.

$NotRunPattern = '^\s*(<!--\s*not run:\s*(?<reason>.*?)\s*-->|#\s*not run:\s*(?<reason>.+?))\s*$'

function Get-FencedBlocks {
    # Fenced ```powershell blocks of a markdown file: @{ Line; Code; Reason }. With -Section, only those under
    # that heading (up to the next heading of the same or a higher level).
    param([Parameter(Mandatory)] [string] $Path, [string] $Section)
    $lines = @(Get-Content -LiteralPath $Path)
    $inside = -not $Section
    $sectionLevel = 0
    $previous = ''
    for ($i = 0; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($Section -and $line -match '^(#+)\s+(.*?)\s*$') {
            if ($Matches[2] -eq $Section) { $inside = $true; $sectionLevel = $Matches[1].Length; continue }
            if ($inside -and $Matches[1].Length -le $sectionLevel) { $inside = $false }
        }
        if ($line -match '^\s*```\s*(\S*)') {
            $lang = $Matches[1]
            $start = $i
            $body = [System.Collections.Generic.List[string]]::new()
            for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^\s*```\s*$'; $i++) { $body.Add($lines[$i]) }
            if ($inside -and $lang -in 'powershell', 'pwsh', 'ps1') {
                $reason = $null
                if ($previous -match $NotRunPattern) { $reason = $Matches['reason'] }
                elseif ($body.Count -gt 0 -and $body[0] -match $NotRunPattern) { $reason = $Matches['reason'] }
                [pscustomobject]@{ Line = $start + 1; Code = ($body -join "`n"); Reason = $reason }
            }
            $previous = ''
            continue
        }
        if ($line.Trim()) { $previous = $line }
    }
}

function Get-IndentedBlocks {
    # The four-space indented code of an about page's EXAMPLES section, one block per run of lines.
    param([Parameter(Mandatory)] [string] $Path)
    $lines = @(Get-Content -LiteralPath $Path)
    $inside = $false
    $current = $null
    for ($i = 0; $i -le $lines.Count; $i++) {
        $line = if ($i -lt $lines.Count) { $lines[$i] } else { '# END' }
        if ($line -match '^#\s+(.*?)\s*$') { $inside = $Matches[1] -eq 'EXAMPLES' }
        if ($inside -and $line -match '^    (.*)$') {
            if (-not $current) { $current = [pscustomobject]@{ Line = $i + 1; Lines = [System.Collections.Generic.List[string]]::new() } }
            $current.Lines.Add($Matches[1])
            continue
        }
        if ($current -and $line.Trim()) {
            $code = $current.Lines -join "`n"
            $reason = if ($current.Lines[0] -match $NotRunPattern) { $Matches['reason'] } else { $null }
            [pscustomobject]@{ Line = $current.Line; Code = $code; Reason = $reason }
            $current = $null
        }
    }
}

function Get-DocBlockGroups {
    # One group per file that has PowerShell blocks: @{ Name (repository-relative); Blocks }.
    param([Parameter(Mandatory)] [string] $Root)
    $sources = @(
        @{ Files = @(Join-Path $Root 'README.md') + @(Get-ChildItem (Join-Path $Root 'docs') -Filter '*.md' | Sort-Object Name | ForEach-Object FullName); Kind = 'markdown' }
        @{ Files = @(Get-ChildItem (Join-Path $Root 'help') -Filter '*-*.md' | Sort-Object Name | ForEach-Object FullName); Kind = 'cmdlet' }
        @{ Files = @(Get-ChildItem (Join-Path $Root 'help') -Filter 'about_*.md' | Sort-Object Name | ForEach-Object FullName); Kind = 'about' }
    )
    foreach ($source in $sources) {
        foreach ($file in $source.Files) {
            $blocks = @(switch ($source.Kind) {
                    'markdown' { Get-FencedBlocks -Path $file }
                    'cmdlet' { Get-FencedBlocks -Path $file -Section 'EXAMPLES' }
                    'about' { Get-IndentedBlocks -Path $file }
                })
            if ($blocks.Count -gt 0) {
                $name = [IO.Path]::GetRelativePath($Root, $file).Replace('\', '/')
                [pscustomobject]@{ Name = $name; Blocks = $blocks }
            }
        }
    }
}

Export-ModuleMember -Function Get-FencedBlocks, Get-IndentedBlocks, Get-DocBlockGroups
