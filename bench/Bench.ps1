<#
.SYNOPSIS
    Prints SPEC section 9's benchmark table: Multiproc beside Python's multiprocessing (spawn) and
    PowerShell's own ways of doing the same work, measured in this run. Medians of repeated runs.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Samples = 7
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Import-Module Microsoft.PowerShell.ThreadJob -ErrorAction Ignore

$pwsh = Join-Path $PSHOME 'pwsh'
$python = (Get-Command python3 -ErrorAction Ignore).Source
$rows = [System.Collections.Generic.List[object]]::new()

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
}

# Milliseconds for one run of a scriptblock, median of $Samples.
function Measure-Ms([scriptblock] $Action, [int] $Count = $Samples, [scriptblock] $Before = {}) {
    Get-Median @(foreach ($i in 1..$Count) {
            & $Before
            $watch = [Diagnostics.Stopwatch]::StartNew()
            & $Action
            $watch.Elapsed.TotalMilliseconds
        })
}

# Runs a command line $Count times and returns the median of the milliseconds it prints.
function Measure-Printed([string] $File, [string[]] $Arguments, [int] $Count = $Samples) {
    Get-Median @(foreach ($i in 1..$Count) {
            $out = & $File @Arguments
            if ($LASTEXITCODE -ne 0) { throw "$File failed: $out" }
            [double]($out | Select-Object -Last 1)
        })
}

function Add-Row([string] $Measure, [double] $Multiproc, [hashtable] $Others, [string] $Unit = 'ms', [string] $Target = '') {
    $rows.Add([pscustomobject]@{ Measure = $Measure; Unit = $Unit; Multiproc = $Multiproc; Others = $Others; Target = $Target })
}

Write-Host "Measuring ($Samples samples each)..."

# --- first child, in a fresh session with the module already imported
$bare = Measure-Ms { & $pwsh -NoProfile -NonInteractive -Command exit }
$firstScript = "Import-Module '$ModulePath'; `$w = [Diagnostics.Stopwatch]::StartNew(); Start-MpProcess {} | Wait-MpProcess; `$w.Elapsed.TotalMilliseconds"
$first = Measure-Printed $pwsh @('-NoProfile', '-NonInteractive', '-Command', $firstScript)
$others = @{ 'bare pwsh -c exit' = $bare }
$jobFirstScript = "`$w = [Diagnostics.Stopwatch]::StartNew(); Start-Job {} | Wait-Job | Out-Null; `$w.Elapsed.TotalMilliseconds"
$others['Start-Job'] = Measure-Printed $pwsh @('-NoProfile', '-NonInteractive', '-Command', $jobFirstScript) -Count 3
if ($python) {
    $pyFirst = @'
import multiprocessing as mp, time
def f(): pass
if __name__ == '__main__':
    mp.set_start_method('spawn'); t = time.perf_counter(); p = mp.Process(target=f); p.start(); p.join()
    print((time.perf_counter() - t) * 1000)
'@
    $pyFile = Join-Path ([IO.Path]::GetTempPath()) 'multiproc-bench-first.py'
    Set-Content $pyFile $pyFirst
    $others['Python spawn'] = Measure-Printed $python @($pyFile)
}
Add-Row 'first child: Start-MpProcess {} + wait, fresh session' $first $others -Target ("<= 1.1 x bare pwsh ({0:N0} ms)" -f (1.1 * $bare))

# --- later child, with a standby ready (starts 1.5 s apart), and back to back
$null = Start-MpProcess {} | Wait-MpProcess
Start-Sleep -Seconds 2
$later = Measure-Ms { Start-MpProcess {} | Wait-MpProcess } -Before { Start-Sleep -Milliseconds 1500 }
$others = @{
    'Start-Job'       = Measure-Ms { Start-Job {} | Wait-Job | Remove-Job } -Count 5
    'Start-ThreadJob' = Measure-Ms { Start-ThreadJob {} | Wait-Job | Remove-Job }
}
if ($python) {
    $pyLater = @'
import multiprocessing as mp, time, statistics, sys
def f(): pass
if __name__ == '__main__':
    mp.set_start_method(sys.argv[1]); mp.Process(target=f).start()
    times = []
    for i in range(int(sys.argv[2])):
        t = time.perf_counter(); p = mp.Process(target=f); p.start(); p.join(); times.append((time.perf_counter() - t) * 1000)
    print(statistics.median(times))
'@
    $pyFile = Join-Path ([IO.Path]::GetTempPath()) 'multiproc-bench-later.py'
    Set-Content $pyFile $pyLater
    $others['Python spawn'] = Measure-Printed $python @($pyFile, 'spawn', $Samples) -Count 1
    $others['Python forkserver'] = Measure-Printed $python @($pyFile, 'forkserver', $Samples) -Count 1
}
Add-Row 'later child, standby ready (1.5 s apart)' $later $others -Target '<= 25 ms'
$backToBack = Measure-Ms { Start-MpProcess {} | Wait-MpProcess }
Add-Row 'later child, back to back' $backToBack @{} -Target 'reported'
Get-MpProcess | Remove-MpProcess -Force

# --- the table
$lines = foreach ($row in $rows) {
    $pythonFigure = $row.Others['Python spawn']
    [pscustomobject]@{
        Measure   = $row.Measure
        Multiproc = '{0:N1} {1}' -f $row.Multiproc, $row.Unit
        Python    = if ($pythonFigure) { '{0:N1} {1}' -f $pythonFigure, $row.Unit } else { 'n/a' }
        'vs Python' = if ($pythonFigure) { '{0:N2}x' -f ($pythonFigure / $row.Multiproc) } else { '' }
        Others    = ($row.Others.GetEnumerator() | Where-Object Key -ne 'Python spawn' | Sort-Object Key |
                ForEach-Object { '{0} {1:N1} ({2:N2}x)' -f $_.Key, $_.Value, ($_.Value / $row.Multiproc) }) -join '; '
        Target    = $row.Target
    }
}
$lines | Format-Table -Wrap -AutoSize | Out-String -Width 200 | Write-Host
Write-Host 'Ratios are other / Multiproc for times: above 1 means Multiproc is faster.'
