# Loopback hosts for the remoting tests (SPEC §11): one sshd per address on one free port, each with a host
# key, an authorized client key and the `powershell` subsystem made for the run in a private folder, so
# nothing outside it is read or changed. Several hosts are several loopback addresses. Dot-sourced after
# Common.ps1.

# The sshd to run, or $null: build.ps1 installs Debian's openssh-server for the tests where it can.
function Get-Sshd {
    foreach ($candidate in (Get-Command sshd -ErrorAction Ignore).Source, '/usr/sbin/sshd') {
        if ($candidate -and (Test-Path $candidate)) { return $candidate }
    }
}

function Get-FreeLoopbackPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Starts an sshd on each address; returns the lab: its hosts, port, key and the SSH options that trust them.
function Start-TestSshHosts([string[]] $Address = @('127.0.0.1', '127.0.0.2')) {
    $sshd = Get-Sshd
    if (-not $sshd) { throw 'sshd is not installed: build.ps1 Test installs openssh-server on Debian.' }
    $dir = Join-Path ([IO.Path]::GetTempPath()) "mp-ssh-$PID-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $null = New-Item -ItemType Directory $dir
    & chmod 700 $dir
    $null = New-Item -ItemType Directory /run/sshd -Force   # sshd's privilege separation folder
    & ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
    & ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
    Copy-Item "$dir/client_key.pub" "$dir/authorized_keys"
    $port = Get-FreeLoopbackPort
    $hostKey = (Get-Content "$dir/host_key.pub" -Raw).Trim().Split(' ')[0..1] -join ' '
    Set-Content "$dir/known_hosts" @($Address | ForEach-Object { "[$_]:$port $hostKey" })
    $hosts = foreach ($a in $Address) {
        $config = "$dir/sshd-$a.config"
        Set-Content $config @(
            "Port $port", "ListenAddress $a", "HostKey $dir/host_key", "PidFile $dir/sshd-$a.pid",
            "AuthorizedKeysFile $dir/authorized_keys", 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
            'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', 'StrictModes no', 'UsePAM no',
            "Subsystem powershell $(Join-Path $PSHOME 'pwsh') -sshs -NoLogo -NoProfile")
        $process = Start-Process $sshd -ArgumentList '-D', '-f', $config, '-E', "$dir/sshd-$a.log" -PassThru
        [pscustomobject]@{ Address = $a; Process = $process }
    }
    $lab = [pscustomobject]@{
        Directory   = $dir
        Port        = $port
        Hosts       = $hosts
        HostNames   = @($Address | ForEach-Object { "${_}:$port" })
        KeyFilePath = "$dir/client_key"
        Options     = @{ UserKnownHostsFile = "$dir/known_hosts" }
    }
    foreach ($h in $hosts) {
        Wait-Until { Test-LoopbackPort $h.Address $port } -TimeoutSeconds 20 -Because "sshd on $($h.Address):$port to listen (log: $(Get-Content "$dir/sshd-$($h.Address).log" -Raw -ErrorAction Ignore))"
    }
    $lab
}

function Test-LoopbackPort([string] $Address, [int] $Port) {
    $client = [System.Net.Sockets.TcpClient]::new()
    try { $client.Connect($Address, $Port); $true } catch { $false } finally { $client.Dispose() }
}

# Every process below $Id, deepest first.
function Get-DescendantProcessId([int] $Id) {
    if ($Id -le 1) { throw "Get-DescendantProcessId was given process ${Id}: below it is every process of the machine." }
    foreach ($child in @(Get-ChildProcessId $Id)) {
        Get-DescendantProcessId $child
        $child
    }
}

# A host goes away as a machine would: its sshd and every session and process under it are killed.
function Stop-TestSshHost($Lab, [string] $Address) {
    $h = $Lab.Hosts | Where-Object Address -EQ $Address
    if (-not $h) { throw "The lab has no host '$Address' (it has $($Lab.Hosts.Address -join ', '))." }
    $doomed = @(Get-DescendantProcessId $h.Process.Id) + $h.Process.Id
    foreach ($id in $doomed) { Stop-Process -Id $id -Force -ErrorAction Ignore }
}

function Stop-TestSshHosts($Lab) {
    if (-not $Lab) { return }
    foreach ($h in $Lab.Hosts) { Stop-TestSshHost $Lab $h.Address }
    Remove-Item $Lab.Directory -Recurse -Force -ErrorAction Ignore
}
