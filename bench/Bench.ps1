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

# -Rate: the figures are rates (higher is better), not times.
function Add-Row([string] $Measure, [double] $Multiproc, [hashtable] $Others, [string] $Unit = 'ms', [string] $Target = '', [switch] $Rate) {
    $rows.Add([pscustomobject]@{ Measure = $Measure; Unit = $Unit; Multiproc = $Multiproc; Others = $Others; Target = $Target; Rate = [bool]$Rate })
}

# Runs one of bench/python.py's measures $Count times; the median of what it prints.
function Measure-Python([string] $Name, [int] $Count = 3) {
    Measure-Printed $python @((Join-Path $PSScriptRoot 'python.py'), $Name) -Count $Count
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

# --- queues and pipes: a child streams, the parent takes in a loop inside a function
$n = 100000
function Receive-QueueTimed($Queue, [int] $Count) {
    $null = $Queue.Get()   # timed from the child's first item
    $watch = [Diagnostics.Stopwatch]::StartNew()
    for ($i = 1; $i -lt $Count; $i++) { $null = $Queue.Get() }
    ($Count - 1) / $watch.Elapsed.TotalSeconds
}
function Measure-QueueRate([scriptblock] $Producer) {
    $queue = New-MpQueue
    Get-Median @(foreach ($i in 1..$Samples) {
            $child = Start-MpProcess $Producer -ArgumentList $queue, $n
            Receive-QueueTimed $queue $n
            Wait-MpProcess $child
        })
}
$queueInts = Measure-QueueRate { param($q, $n) for ($i = 0; $i -lt $n; $i++) { $q.Put($i) } }
$queueText = Measure-QueueRate { param($q, $n) $s = 'x' * 1024; for ($i = 0; $i -lt $n; $i++) { $q.Put($s) } }
$others = @{}; $othersText = @{}
if ($python) { $others['Python spawn'] = Measure-Python 'queue-int'; $othersText['Python spawn'] = Measure-Python 'queue-str' }
Add-Row 'queue child -> parent, 100,000 ints' $queueInts $others -Unit 'items/s' -Target '>= 300k items/s' -Rate
Add-Row 'queue child -> parent, 100,000 x 1 KB strings' $queueText $othersText -Unit 'items/s' -Target 'reported' -Rate

function Measure-RoundTrip($End, [int] $Count) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    for ($i = 0; $i -lt $Count; $i++) { $End.Send($i); $null = $End.Receive() }
    $watch.Elapsed.TotalMilliseconds * 1000 / $Count
}
function Measure-PipeRoundTrip {
    $near, $far = New-MpPipe
    $echo = Start-MpProcess { param($end) while ($true) { try { $end.Send($end.Receive()) } catch { break } } } -ArgumentList $far
    $null = Measure-RoundTrip $near 1000   # warm up both sides
    Get-Median @(foreach ($i in 1..$Samples) { Measure-RoundTrip $near 10000 })
    $near.Close(); $null = Wait-MpProcess $echo
}
# The portable paths (SPEC section 12), which macOS and Windows take, in a child and here alike.
function Invoke-Portable([scriptblock] $Measure) {
    $native = [Multiproc.MpSettings]::Portable
    [Multiproc.MpSettings]::Portable = $true
    try { & $Measure } finally { [Multiproc.MpSettings]::Portable = $native }
}
$roundTrip = Measure-PipeRoundTrip
$others = @{}
if ($python) { $others['Python spawn'] = Measure-Python 'pipe-rt' }
Add-Row 'pipe round trip (Send + Receive, child echoes), 10,000 times' $roundTrip $others -Unit 'us' -Target '<= 60 us'
$others = $others.Clone()   # Add-Row keeps the table it is given
$others['native paths'] = $roundTrip
Add-Row 'pipe round trip, portable paths' (Invoke-Portable { Measure-PipeRoundTrip }) $others -Unit 'us' -Target '<= 2x native'

function Receive-PipeTimed($End, [int] $Count) {
    $null = $End.Receive()
    $watch = [Diagnostics.Stopwatch]::StartNew()
    for ($i = 1; $i -lt $Count; $i++) { $null = $End.Receive() }
    ($Count - 1) / $watch.Elapsed.TotalSeconds
}
$reader, $writer = New-MpPipe -Simplex
$oneWay = Get-Median @(foreach ($i in 1..$Samples) {
        $child = Start-MpProcess { param($end, $n) for ($i = 0; $i -lt $n; $i++) { $end.Send($i) } } -ArgumentList $writer, $n
        Receive-PipeTimed $reader $n
        Wait-MpProcess $child
    })
$others = @{}
if ($python) { $others['Python spawn'] = Measure-Python 'pipe-oneway' }
Add-Row 'pipe one way, 100,000 ints' $oneWay $others -Unit 'msgs/s' -Target '>= 400k msgs/s' -Rate
Get-MpProcess | Remove-MpProcess -Force

# --- shared state: a child gets, sets and appends 10,000 times each, in a loop inside a function
$shared = Start-MpProcess {
    param($d, $l, $n)
    function Measure-SharedRates($d, $l, [int] $n) {
        $d['k'] = 0; $null = $d['k']; $l.Add(0); $l.Clear()   # warm up the link
        $watch = [Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $n; $i++) { $null = $d['k'] }
        $get = $n / $watch.Elapsed.TotalSeconds
        $watch.Restart()
        for ($i = 0; $i -lt $n; $i++) { $d['k'] = $i }
        $set = $n / $watch.Elapsed.TotalSeconds
        $watch.Restart()
        for ($i = 0; $i -lt $n; $i++) { $l.Add($i) }
        $get, $set, ($n / $watch.Elapsed.TotalSeconds)
    }
    foreach ($i in 1..$using:Samples) { , @(Measure-SharedRates $d $l $n) }
} -ArgumentList (New-MpDictionary), (New-MpList), 10000
$sharedRuns = Receive-MpProcess $shared -Wait
$others = @{ get = @{}; set = @{}; append = @{} }
if ($python) {
    $others.get['Python spawn'] = Measure-Python 'dict-get'
    $others.set['Python spawn'] = Measure-Python 'dict-set'
    $others.append['Python spawn'] = Measure-Python 'list-append'
}
Add-Row 'shared dictionary get from a child, 10,000' (Get-Median ($sharedRuns | ForEach-Object { $_[0] })) $others.get -Unit 'ops/s' -Target '>= 30k ops/s' -Rate
Add-Row 'shared dictionary set from a child, 10,000' (Get-Median ($sharedRuns | ForEach-Object { $_[1] })) $others.set -Unit 'ops/s' -Target '>= 30k ops/s' -Rate
Add-Row 'shared list append from a child, 10,000' (Get-Median ($sharedRuns | ForEach-Object { $_[2] })) $others.append -Unit 'ops/s' -Target 'reported' -Rate

# --- locks: after a barrier, the parent and a child each take and release n times, contending
function Measure-LockPairs($Lock, $Barrier, [int] $Count) {
    $null = $Barrier.Wait()
    $start = [Diagnostics.Stopwatch]::GetTimestamp()
    for ($i = 0; $i -lt $Count; $i++) { $null = $Lock.Acquire(); $Lock.Release() }
    $start, [Diagnostics.Stopwatch]::GetTimestamp()   # a monotonic clock every process shares
}
function Measure-LockRate($Lock, [int] $Count) {
    Get-Median @(foreach ($i in 1..$Samples) {
            $barrier = New-MpBarrier 2
            $child = Start-MpProcess { param($l, $b, $n, $f) & ([scriptblock]::Create($f)) $l $b $n } -ArgumentList $Lock, $barrier, $Count, ${function:Measure-LockPairs}.ToString()
            $mine = Measure-LockPairs $Lock $barrier $Count
            $theirs = Receive-MpProcess $child -Wait
            $span = ([math]::Max($mine[1], $theirs[1]) - [math]::Min($mine[0], $theirs[0])) / [Diagnostics.Stopwatch]::Frequency
            2 * $Count / $span
        })
}
$lockPairs = 200000
$lockRate = Measure-LockRate (New-MpLock) $lockPairs
$semaphoreRate = Measure-LockRate (New-MpSemaphore) $lockPairs
$others = @{}
if ($python) { $others['Python spawn'] = Measure-Python 'lock' }
Add-Row 'lock: Acquire + Release, 2 processes contending' $lockRate $others -Unit 'pairs/s' -Target '>= 1M pairs/s' -Rate
Add-Row 'semaphore(1): Acquire + Release, 2 processes contending' $semaphoreRate @{} -Unit 'pairs/s' -Target '>= 1M pairs/s' -Rate
$others = $others.Clone()
$others['native paths'] = $lockRate
Add-Row 'lock, portable paths' (Invoke-Portable { Measure-LockRate (New-MpLock) $lockPairs }) $others -Unit 'pairs/s' -Target '>= 20k pairs/s' -Rate
Get-MpProcess | Remove-MpProcess -Force

# --- the pool
# In a fresh session, as the first child: no standby to take, both workers boot side by side.
$poolStartScript = "Import-Module '$ModulePath'; `$w = [Diagnostics.Stopwatch]::StartNew(); `$p = New-MpPool -Size 2; " +
    "`$ran = 1..2 | Invoke-MpPool { `$PID } -Pool `$p -ChunkSize 1; `$ms = `$w.Elapsed.TotalMilliseconds; " +
    "if (@(`$ran | Sort-Object -Unique).Count -ne 2) { throw 'one worker ran both tasks' }; `$ms"
$started = Measure-Printed $pwsh @('-NoProfile', '-NonInteractive', '-Command', $poolStartScript) -Count 5
$others = @{ 'bare pwsh -c exit' = $bare }
if ($python) { $others['Python spawn'] = Measure-Python 'pool-start' }
Add-Row 'pool start, 2 workers, until both have run a task, fresh session' $started $others -Target ("<= 1.3 x bare pwsh ({0:N0} ms)" -f (1.3 * $bare))

$pool = New-MpPool -Size 2
$null = 1..1000 | Invoke-MpPool { $_ + 1 } -Pool $pool   # "on a pool that has run one call already"
function Measure-MapRate([int] $Count, [int] $ChunkSize) {
    Get-Median @(foreach ($i in 1..3) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $null = if ($ChunkSize) { 1..$Count | Invoke-MpPool { $_ + 1 } -Pool $pool -ChunkSize $ChunkSize } else { 1..$Count | Invoke-MpPool { $_ + 1 } -Pool $pool }
            $Count / $watch.Elapsed.TotalSeconds
        })
}
$parallel = Get-Median @(foreach ($i in 1..3) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = 1..1000 | ForEach-Object -Parallel { $_ + 1 } -ThrottleLimit 2
        1000 / $watch.Elapsed.TotalSeconds
    })
# The floor: feeding 100,000 items through the pipeline into a C# cmdlet that does almost nothing with them.
$floorQueue = New-MpQueue
$floor = Get-Median @(foreach ($i in 1..3) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        1..100000 | Send-MpQueue $floorQueue
        $rate = 100000 / $watch.Elapsed.TotalSeconds
        $null = Receive-MpQueue $floorQueue -Count 100000
        $rate
    })
$others = @{ 'ForEach-Object -Parallel' = $parallel; 'pipeline floor (1..100000 | Send-MpQueue, local)' = $floor }
if ($python) { $others['Python spawn'] = Measure-Python 'pool-map' }
Add-Row '1..100000 | Invoke-MpPool { $_ + 1 }, ready pool of 2' (Measure-MapRate 100000 0) $others -Unit 'tasks/s' -Target '>= 300k tasks/s' -Rate
$null = foreach ($i in 1..3) { 1..100000 | Invoke-MpPool { $_ + 1 } -Pool $pool }   # JIT and PowerShell's compiler warm up over some 300,000 items
Add-Row 'the same, warm: after 600,000 items more' (Measure-MapRate 100000 0) @{} -Unit 'tasks/s' -Target 'reported' -Rate
$others = @{ 'ForEach-Object -Parallel' = $parallel }
if ($python) { $others['Python spawn'] = Measure-Python 'pool-map-1' }
Add-Row 'the same, -ChunkSize 1 (20,000 items)' (Measure-MapRate 20000 1) $others -Unit 'tasks/s' -Target 'reported' -Rate

# Rich inputs: 2,000 files from Get-ChildItem, each task reads its length (issue 19: a FileInfo was ~10 KB of CliXml)
$fileFolder = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "mp-bench-files-$PID") -Force
foreach ($i in 1..2000) { [IO.File]::WriteAllText((Join-Path $fileFolder "$i.txt"), "$i") }
$files = Get-ChildItem $fileFolder -File
function Measure-ItemRate([scriptblock] $Run) {
    Get-Median @(foreach ($i in 1..3) { $watch = [Diagnostics.Stopwatch]::StartNew(); $null = & $Run; 2000 / $watch.Elapsed.TotalSeconds })
}
$others = @{
    'the paths instead (.FullName | Invoke-MpPool { [IO.FileInfo]::new($_).Length })' = Measure-ItemRate { $files.FullName | Invoke-MpPool { [IO.FileInfo]::new($_).Length } -Pool $pool }
    'ForEach-Object -Parallel' = Measure-ItemRate { $files | ForEach-Object -Parallel { $_.Length } -ThrottleLimit 2 }
}
Add-Row 'Get-ChildItem -File (2,000 files) | Invoke-MpPool { $_.Length }, ready pool of 2' (Measure-ItemRate { $files | Invoke-MpPool { $_.Length } -Pool $pool }) $others -Unit 'items/s' -Target 'as the paths' -Rate
Remove-Item $fileFolder -Recurse -Force

# 10,000 -Async tasks with a callback: submitted from the pipeline (one Invoke-MpPool), and one call each in a loop
function Measure-AsyncRate([switch] $Loop) {
    Get-Median @(foreach ($i in 1..3) {
            $asyncPool = New-MpPool -Size 2
            $done = [ref]0
            $watch = [Diagnostics.Stopwatch]::StartNew()
            if ($Loop) { foreach ($n in 1..10000) { $null = Invoke-MpPool { param($n) $n + 1 } -Pool $asyncPool -ArgumentList $n -Async -Callback { $done.Value++ } } }
            else { $null = 1..10000 | Invoke-MpPool { $_ + 1 } -Pool $asyncPool -Async -Callback { $done.Value++ } }
            Wait-MpPool $asyncPool
            if ($done.Value -ne 10000) { throw "only $($done.Value) callbacks ran" }
            10000 / $watch.Elapsed.TotalSeconds
        })
}
$others = @{}
if ($python) { $others['Python spawn'] = Measure-Python 'pool-async' }
Add-Row '10,000 -Async tasks with a callback, until Wait-MpPool' (Measure-AsyncRate) $others -Unit 'tasks/s' -Target '>= 20k tasks/s' -Rate
Add-Row 'the same, one Invoke-MpPool -Async per task in a loop' (Measure-AsyncRate -Loop) $others -Unit 'tasks/s' -Target 'reported' -Rate

# CPU-bound: the same scriptblock, run the same way (in its own scope, with its loop count as an
# argument) one after another here, warm, and on a new pool that has run one call (as Python's row does).
$burn = { param($loops) $x = 0; for ($i = 0; $i -lt $loops; $i++) { $x += $i }; $x }
# PowerShell interprets a loop at first, about ten times slower, and compiles it in the background:
# calibrate until the run is the compiled one, inside a function as the timed runs are.
function Get-LoopsPerSecond {
    $loops = 200000
    foreach ($i in 1..10) {
        $watch = [Diagnostics.Stopwatch]::StartNew(); $null = & $burn $loops
        $loops = [int]($loops * 0.1 / $watch.Elapsed.TotalSeconds)
    }
    $loops * 10
}
$loopsPerSecond = Get-LoopsPerSecond
foreach ($shape in @{ Count = 8; Seconds = 0.1; Python = 'pool-cpu-8' }, @{ Count = 20; Seconds = 0.2; Python = 'pool-cpu' }) {
    $loops = [int]($loopsPerSecond * $shape.Seconds)
    $taskCount = $shape.Count   # a name Measure-Ms's own -Count does not hide
    $oneProcess = Measure-Ms { foreach ($n in 1..$taskCount) { $null = & $burn $loops } } -Count 3
    $onPool = Get-Median @(foreach ($i in 1..3) {
            $cpuPool = New-MpPool -Size 2
            $null = 1..2 | Invoke-MpPool { $_ + 1 } -Pool $cpuPool -ChunkSize 1
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $null = 1..$taskCount | Invoke-MpPool $burn -Pool $cpuPool -ArgumentList $loops -ChunkSize 1
            $watch.Elapsed.TotalMilliseconds
            Stop-MpPool $cpuPool
        })
    # The warm pool's workers have run this task before: what the runtime's JIT costs a new pool is gone.
    $null = 1..20 | Invoke-MpPool $burn -Pool $pool -ArgumentList $loops -ChunkSize 1
    $onWarmPool = Measure-Ms { $null = 1..$taskCount | Invoke-MpPool $burn -Pool $pool -ArgumentList $loops -ChunkSize 1 } -Count 3
    $others = @{ 'the warm pool' = $oneProcess / $onWarmPool }
    if ($python) { $others['Python spawn'] = Measure-Python $shape.Python }
    Add-Row ('CPU-bound, {0} x ~{1} s on a new pool of 2: speed-up over one process' -f $taskCount, $shape.Seconds) ($oneProcess / $onPool) $others -Unit 'x' -Target '>= 1.8 x' -Rate
}
# One task, timed inside itself: in a worker of the warm pool against here. Above 1: the worker is slower.
# Both workers run at once, as in the rows above.
$timed = { param($loops) $watch = [Diagnostics.Stopwatch]::StartNew(); $x = 0; for ($i = 0; $i -lt $loops; $i++) { $x += $i }; $watch.Elapsed.TotalMilliseconds }
$loops = [int]($loopsPerSecond * 0.2)
$here = Get-Median @(foreach ($i in 1..5) { & $timed $loops })
$inWorker = Get-Median @(1..5 | Invoke-MpPool $timed -Pool $pool -ArgumentList $loops -ChunkSize 1)
Add-Row 'one ~0.2 s CPU-bound task: time in a worker / time here' ($inWorker / $here) @{} -Unit 'x' -Target '1.0 x'

# Other machines: two loopback hosts over real SSH, beside a local pool of two, in a session of their own.
. (Join-Path $PSScriptRoot '../tests/SshHosts.ps1')
if (Get-Sshd) {
    $remote = & $pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'RemoteRows.ps1') -Loops $loops | Select-Object -Last 1 | ConvertFrom-Json
    Add-Row 'remote: 1..100000 | Invoke-MpPool { $_ + 1 }, 2 loopback hosts x 1 worker over SSH' $remote.MapRemote @{ 'local pool of 2' = $remote.MapLocal } -Unit 'tasks/s' -Target '>= 50k tasks/s' -Rate
    Add-Row 'remote: 20 CPU-bound tasks of ~0.2 s, 2 loopback hosts x 1 worker' $remote.CpuRemote @{ 'local pool of 2' = $remote.CpuLocal } -Target ("<= 2 x the local pool ({0:N0} ms)" -f (2 * $remote.CpuLocal))
}
else { Write-Warning 'sshd is not installed: the remote rows are left out (./build.ps1 Test installs it).' }

# Idle: a worker gives back what a spell of work left committed after a second without work.
Start-Sleep -Seconds 2
$worker = $pool.WorkerIds[0]
$rollup = Get-Content "/proc/$worker/smaps_rollup" -ErrorAction Ignore
$pss = [double](($rollup | Select-String '^Pss:\s+(\d+)').Matches[0].Groups[1].Value) / 1024
$rss = [double](($rollup | Select-String '^Rss:\s+(\d+)').Matches[0].Groups[1].Value) / 1024
Add-Row ('idle worker memory: PSS (RSS {0:N0} MiB)' -f $rss) $pss @{} -Unit 'MiB' -Target 'reported'
Stop-MpPool $pool

# --- the table
function Format-Figure([double] $Value, [string] $Unit) {
    if ($Value -ge 1000) { '{0:N0} {1}' -f $Value, $Unit } else { '{0:N1} {1}' -f $Value, $Unit }
}
# Above 1 means Multiproc is better, for times and rates alike.
function Get-Ratio($Row, [double] $Other) {
    if ($Row.Rate) { $Row.Multiproc / $Other } else { $Other / $Row.Multiproc }
}
$lines = foreach ($row in $rows) {
    $pythonFigure = $row.Others['Python spawn']
    [pscustomobject]@{
        Measure   = $row.Measure
        Multiproc = Format-Figure $row.Multiproc $row.Unit
        Python    = if ($pythonFigure) { Format-Figure $pythonFigure $row.Unit } else { 'n/a' }
        'vs Python' = if ($pythonFigure) { '{0:N2}x' -f (Get-Ratio $row $pythonFigure) } else { '' }
        Others    = ($row.Others.GetEnumerator() | Where-Object Key -ne 'Python spawn' | Sort-Object Key |
                ForEach-Object { '{0} {1} ({2:N2}x)' -f $_.Key, (Format-Figure $_.Value $row.Unit), (Get-Ratio $row $_.Value) }) -join '; '
        Target    = $row.Target
    }
}
$lines | Format-Table -Wrap -AutoSize | Out-String -Width 200 | Write-Host
Write-Host 'Ratios: above 1 means Multiproc is better (faster, or more per second).'
