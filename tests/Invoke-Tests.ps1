<#
.SYNOPSIS
    Runs the Pester suite in this fresh pwsh and writes the totals to -ResultPath as JSON.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Path = $PSScriptRoot
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
# Into a log (CI, or `> file`): plain text, and a line as each file starts and each test ends, so a
# person reading it can tell the run is alive. At a terminal: colours, and a line per file.
$redirected = [Console]::IsOutputRedirected
$config.Output.Verbosity = if ($env:CI -or $redirected) { 'Detailed' } else { 'Normal' }
if ($redirected) { $config.Output.RenderMode = 'Plaintext' }
$result = Invoke-Pester -Configuration $config

# A container that failed to run (a broken BeforeAll, say) counts as a failure too.
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $ResultPath
