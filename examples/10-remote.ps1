# The same pool on other machines (SPEC §11): workers on each host, reached over PowerShell remoting via
# SSH, with nothing installed there but sshd's `powershell` subsystem and pwsh. Give the hosts as
# arguments or in $env:MULTIPROC_HOSTS ("build1,admin@build2:2222"); without any, it says so and ends.
#
#   ./10-remote.ps1 -HostName build1, build2 -KeyFilePath ~/.ssh/id_ed25519
param(
    [string[]] $HostName = @($env:MULTIPROC_HOSTS -split ',' | Where-Object { $_ }),
    [string] $KeyFilePath,
    [hashtable] $Options = @{}
)
if (-not $HostName) {
    Write-Host 'No host given: pass -HostName (or set $env:MULTIPROC_HOSTS) to run this example on other machines.'
    return
}
$reach = @{ HostName = $HostName; Options = $Options; SizePerHost = 2; RetryCount = 1 }
if ($KeyFilePath) { $reach.KeyFilePath = $KeyFilePath }
$pool = New-MpPool @reach
try {
    # Map: each input runs on some host's worker; results come back in input order.
    $squares = 1..20 | Invoke-MpPool { [pscustomobject]@{ N = $_; Square = $_ * $_; Machine = [Environment]::MachineName; Worker = $PID } } -Pool $pool
    Write-Host "squares: $(($squares.Square) -join ' ')"
    # Where it ran, from the pool's side: each host and its workers.
    foreach ($machine in $pool.Hosts) { Write-Host "$($machine.HostName): $($machine.State), workers $($machine.WorkerIds -join ', ')" }
    # A warning from a task says which host and worker wrote it.
    1 | Invoke-MpPool { Write-Warning "hello from $PID" } -Pool $pool -WarningVariable said -WarningAction SilentlyContinue
    Write-Host "a warning came from $($said[0].MpSource.HostName), worker $($said[0].MpSource.ProcessId)"
}
finally { Stop-MpPool $pool }
