<#
.SYNOPSIS
    Runs the Pester suite in this fresh pwsh and writes the totals to -ResultPath as JSON.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = if ($env:CI) { 'Detailed' } else { 'Normal' }
$result = Invoke-Pester -Configuration $config

# A container that failed to run (a broken BeforeAll, say) counts as a failure too.
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $ResultPath
