# Dot-sourced by every test file's BeforeAll: imports the staged module and defines the helpers.
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../out/Multiproc') -Force

# Waits for a condition with a generous deadline, never a fixed sleep; fails the test if it never holds.
function Wait-Until([scriptblock] $Condition, [double] $TimeoutSeconds = 30, [string] $Because = 'the condition') {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s waiting for $Because." }
        Start-Sleep -Milliseconds 20
    }
}

# A process's or thread's /proc stat file: its name, and the fields after it (0 state, 1 parent id,
# 11 and 12 user and system CPU in ticks of 10 ms); $null when it has gone.
function Read-ProcStat([string] $Path) {
    $stat = Get-Content $Path -Raw -ErrorAction Ignore
    if (-not $stat) { return $null }   # gone, or ended while it was read
    $open = $stat.IndexOf('('); $close = $stat.LastIndexOf(')')
    if ($open -lt 0 -or $close -lt $open) { return $null }
    [pscustomobject]@{ Name = $stat.Substring($open + 1, $close - $open - 1); Fields = $stat.Substring($close + 2).Split(' ') }
}

function Test-ProcessAlive([int] $Id) {
    # A zombie has exited; only its parent has not reaped it yet.
    $stat = Read-ProcStat "/proc/$Id/stat"
    return $stat -and $stat.Fields[0] -ne 'Z'
}

# Ids of the live processes whose parent is $ParentId.
# Fast (.NET calls, no cmdlet per process): a test that watches for a process starting must see it before it is ready.
function Get-ChildProcessId([int] $ParentId) {
    foreach ($folder in [System.IO.Directory]::EnumerateDirectories('/proc')) {
        $id = 0
        if (-not [int]::TryParse([System.IO.Path]::GetFileName($folder), [ref] $id)) { continue }
        try { $stat = [System.IO.File]::ReadAllText("$folder/stat") } catch { continue }   # gone meanwhile
        $close = $stat.LastIndexOf(')')
        if ($close -gt 0 -and [int]$stat.Substring($close + 2).Split(' ')[1] -eq $ParentId) { $id }
    }
}

# Removes every process this session started, so each file leaves the machine as it found it.
function Remove-AllMpProcess {
    Get-MpProcess | Remove-MpProcess -Force -Confirm:$false
}

# A fresh pwsh for tests that need their own session (orphans, console output).
$script:Pwsh = Join-Path $PSHOME 'pwsh'
$script:ModulePath = (Resolve-Path (Join-Path $PSScriptRoot '../out/Multiproc')).Path

# A PowerShell in a runspace of its own with the module imported, for commands a test stops (Ctrl+C).
# The import runs by itself first: Stop() on a batch of statements races PowerShell's own batch
# runner, which can then touch the disposed runspace on a pool thread and end the whole test process.
function New-ModuleShell {
    $ps = [powershell]::Create()
    $null = $ps.AddCommand('Import-Module').AddArgument($script:ModulePath).Invoke()
    $ps.Commands.Clear()
    $ps
}

# CPU milliseconds process $Id has used, from /proc, leaving out the runtime's background JIT thread:
# it recompiles hot methods for a while after any new work, whatever the process waits on. What is
# left is the code that runs while the process waits, which SPEC §2 says must be none.
function Get-WaitCpuMs([int] $Id) {
    $total = 0
    foreach ($task in [IO.Directory]::GetDirectories("/proc/$Id/task")) {
        $stat = Read-ProcStat "$task/stat"
        if (-not $stat -or $stat.Name -like '.NET Tiered Com*') { continue }
        $total += ([long]$stat.Fields[11] + [long]$stat.Fields[12]) * 10
    }
    $total
}

# True when thread $Tid of process $ProcessId (this one by default) is found asleep five times over 100 ms:
# parked in a wait, not on its way to one. (A wait may wake for a moment now and then, to see whether a
# lock's holder died.)
function Test-ThreadParked([int] $Tid, [int] $ProcessId = $PID) {
    foreach ($sample in 1..5) {
        if ((Read-ProcStat "/proc/$ProcessId/task/$Tid/stat").Fields[0] -ne 'S') { return $false }
        Start-Sleep -Milliseconds 20
    }
    $true
}

# Runs $Script (with $ArgumentList as its $args) in a runspace of its own and returns once its thread is
# parked in the command's wait: the shell, that thread's id, and the invocation still running.
function Start-BlockedCommand([string] $Script, [object[]] $ArgumentList = @()) {
    $ps = New-ModuleShell
    $tidFile = [IO.Path]::GetTempFileName()
    try {
        # /proc/thread-self names the thread that reads it: the runspace's, before it runs the command.
        $null = $ps.AddScript("Set-Content '$tidFile' (Get-Item /proc/thread-self).Target.Split('/')[-1]`n$Script")
        foreach ($argument in $ArgumentList) { $null = $ps.AddArgument($argument) }
        $running = $ps.BeginInvoke()
        Wait-Until { "$(Get-Content $tidFile -ErrorAction Ignore)" -match '^\d+$' } -Because 'the runspace to start'
        $tid = [int](Get-Content $tidFile)
        Wait-Until { $running.IsCompleted -or (Test-ThreadParked $tid) } -Because 'the command to wait'
        $running.IsCompleted | Should -BeFalse -Because "'$Script' blocks until stopped"
        [pscustomobject]@{ Shell = $ps; Tid = $tid; Running = $running }
    }
    catch { $ps.Dispose(); throw }
    finally { Remove-Item $tidFile -ErrorAction Ignore }
}

# How many times thread $Tid of this process has gone to sleep and been woken.
function Get-ThreadWakeCount([int] $Tid) {
    [long](Select-String '^voluntary_ctxt_switches:\s+(\d+)' -Path "/proc/$PID/task/$Tid/status").Matches[0].Groups[1].Value
}

# Ctrl+C on a blocking command: starts it as Start-BlockedCommand does, waits for $Ready (what the command
# started must be running, say), stops it as Ctrl+C does, and fails unless it stopped within $WithinSeconds.
# What it leaves behind is for the caller to check.
function Assert-StopsOnCtrlC([string] $Script, [object[]] $ArgumentList = @(), [double] $WithinSeconds = 5, [scriptblock] $Ready = { $true }) {
    $blocked = Start-BlockedCommand $Script $ArgumentList
    try {
        Wait-Until $Ready -Because 'what the command started to run'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $stopping = $blocked.Shell.BeginStop($null, $null)
        $stopping.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) | Should -BeTrue -Because 'Ctrl+C must end the wait'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan $WithinSeconds
        $blocked.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
    }
    finally { $blocked.Shell.Dispose() }
}
