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

function Test-ProcessAlive([int] $Id) {
    # A zombie has exited; only its parent has not reaped it yet.
    $stat = "/proc/$Id/stat"
    if (-not (Test-Path $stat)) { return $false }
    # [string]: a process that ends while its stat is read gives nothing rather than text.
    $state = ([string](Get-Content $stat -Raw -ErrorAction Ignore) -replace '^.*\)\s+', '').Split(' ')[0]
    return $state -and $state -ne 'Z'
}

# Ids of the live processes whose parent is $ParentId.
function Get-ChildProcessId([int] $ParentId) {
    foreach ($stat in Get-ChildItem /proc/[0-9]*/stat -ErrorAction Ignore) {
        $fields = ([string](Get-Content $stat -Raw -ErrorAction Ignore) -replace '^.*\)\s+', '').Split(' ')
        if ($fields.Count -gt 1 -and [int]$fields[1] -eq $ParentId) { [int]$stat.Directory.Name }
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
        try { $stat = [IO.File]::ReadAllText("$task/stat") } catch { continue }   # a thread that ended
        $close = $stat.LastIndexOf(')')
        if ($stat.Substring($stat.IndexOf('(') + 1, $close - $stat.IndexOf('(') - 1) -like '.NET Tiered Com*') { continue }
        $fields = $stat.Substring($close + 2).Split(' ')
        $total += ([long]$fields[11] + [long]$fields[12]) * 1000 / 100   # clock ticks of 10 ms
    }
    $total
}
