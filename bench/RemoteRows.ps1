<#
.SYNOPSIS
    The remote rows of SPEC §9 / §11, in a session of their own: a pool on two loopback "hosts" of one
    worker each (real sshd, started here) beside a local pool of two, in the same run. Prints one JSON
    line: map rates (tasks/s) and CPU-bound times (ms), remote and local.
#>
param(
    [Parameter(Mandatory)] [int] $Loops,   # a ~0.2 s CPU-bound task's loop count, as the main bench calibrated it
    [int] $Samples = 3
)
. (Join-Path $PSScriptRoot '../tests/Common.ps1')
. (Join-Path $PSScriptRoot '../tests/SshHosts.ps1')
$burn = { param($loops) $x = 0; for ($i = 0; $i -lt $loops; $i++) { $x += $i }; $x }

function Measure-Pool($Pool) {
    $null = 1..1000 | Invoke-MpPool { $_ + 1 } -Pool $Pool   # a pool that has run one call already
    $null = 1..4 | Invoke-MpPool $burn -Pool $Pool -ArgumentList $Loops -ChunkSize 1
    $map = @(foreach ($i in 1..$Samples) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $null = 1..100000 | Invoke-MpPool { $_ + 1 } -Pool $Pool
            100000 / $watch.Elapsed.TotalSeconds
        }) | Sort-Object
    $cpu = @(foreach ($i in 1..$Samples) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $null = 1..20 | Invoke-MpPool $burn -Pool $Pool -ArgumentList $Loops -ChunkSize 1
            $watch.Elapsed.TotalMilliseconds
        }) | Sort-Object
    @{ Map = $map[[int][math]::Floor(($map.Count - 1) / 2)]; Cpu = $cpu[[int][math]::Floor(($cpu.Count - 1) / 2)] }
}

$lab = Start-TestSshHosts
try {
    $remote = New-MpPool -HostName $lab.HostNames -KeyFilePath $lab.KeyFilePath -Options $lab.Options -SizePerHost 1
    try { $remoteFigures = Measure-Pool $remote } finally { Stop-MpPool $remote }
    $local = New-MpPool -Size 2
    try { $localFigures = Measure-Pool $local } finally { Stop-MpPool $local }
}
finally { Stop-TestSshHosts $lab }
@{ MapRemote = $remoteFigures.Map; MapLocal = $localFigures.Map; CpuRemote = $remoteFigures.Cpu; CpuLocal = $localFigures.Cpu } | ConvertTo-Json -Compress
