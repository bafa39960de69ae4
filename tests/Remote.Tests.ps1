# The pool on other hosts (SPEC §11), over real SSH remoting: sshd on loopback addresses, started here.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SshHosts.ps1')
    $script:NoSshd = -not (Get-Sshd)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'SshHosts.ps1')

    # Whether a process runs under one of the lab's sshd processes: on a "host", not here.
    function Test-UnderLab($Lab, [int] $Id) {
        $labIds = @($Lab.Hosts.Process.Id)
        for ($at = $Id; $at -gt 1;) {
            $stat = Read-ProcStat "/proc/$at/stat"
            if (-not $stat) { return $false }
            $at = [int]$stat.Fields[1]
            if ($at -in $labIds) { return $true }
        }
        $false
    }
}

Describe 'A pool on two hosts over SSH' -Skip:$script:NoSshd {
    BeforeAll {
        $script:Lab = Start-TestSshHosts
        $script:Reach = @{ HostName = $Lab.HostNames; KeyFilePath = $Lab.KeyFilePath; Options = $Lab.Options }
        $script:Pool = New-MpPool @Reach -SizePerHost 1
    }
    AfterAll {
        Get-MpPool | Stop-MpPool
        Stop-TestSshHosts $script:Lab
    }

    It 'maps over both hosts in input order, as one after another would, in workers that run on the hosts' {
        $out = 1..200 | Invoke-MpPool { [pscustomobject]@{ Square = $_ * $_; Worker = $PID } } -Pool $Pool -ChunkSize 5
        $out.Square | Should -Be @(1..200 | ForEach-Object { $_ * $_ })
        @($out.Worker | Sort-Object -Unique) | Should -Be @($Pool.WorkerIds | Sort-Object)
        $Pool.WorkerIds.Count | Should -Be 2
        foreach ($id in $Pool.WorkerIds) {
            $id | Should -Not -BeIn @(Get-ChildProcessId $PID)
            Test-UnderLab $Lab $id | Should -BeTrue -Because "worker $id runs in a session of the lab's sshd"
        }
    }

    It 'shows each host and its workers' {
        $Pool.Hosts.HostName | Should -Be '127.0.0.1', '127.0.0.2'
        $Pool.Hosts.State | Should -Be 'Connected', 'Connected'
        $Pool.Hosts | ForEach-Object { $_.WorkerIds.Count | Should -Be 1 }
        (Get-MpPool | Out-String) | Should -Match '127\.0\.0\.1 \(1\), 127\.0\.0\.2 \(1\)'
    }

    It 'takes $using: values and -ArgumentList, and tags records with the host they came from' {
        $factor = 3
        $warnings = $null
        $got = 1..8 | Invoke-MpPool { param($add) Write-Warning "item $_"; $_ * $using:factor + $add } -Pool $Pool -ArgumentList 1 -ChunkSize 1 `
            -WarningVariable warnings -WarningAction SilentlyContinue
        $got | Should -Be 4, 7, 10, 13, 16, 19, 22, 25
        $warnings.Count | Should -Be 8
        @($warnings.MpSource.HostName | Sort-Object -Unique) | Should -Be '127.0.0.1', '127.0.0.2'
        foreach ($w in $warnings) { $w.MpSource.ProcessId | Should -Be ($Pool.Hosts | Where-Object HostName -EQ $w.MpSource.HostName).WorkerIds[0] }
    }

    It 'gives a failed task''s error its input as TargetObject and its host' {
        $errs = $null
        $got = 1..6 | Invoke-MpPool { if ($_ % 3 -eq 0) { throw "bad $_" }; $_ } -Pool $Pool -ChunkSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $got | Should -Be 1, 2, 4, 5
        $errs.TargetObject | Sort-Object | Should -Be 3, 6
        $errs | ForEach-Object { $_.MpSource.HostName | Should -BeIn '127.0.0.1', '127.0.0.2' }
    }

    It 'runs -Async tasks with callbacks in the caller''s runspace' {
        $seen = [System.Collections.Generic.List[object]]::new()
        $caller = [runspace]::DefaultRunspace.Id
        $tasks = 1..10 | Invoke-MpPool { $_ * 2 } -Pool $Pool -Async -Callback { $seen.Add(@($_, [runspace]::DefaultRunspace.Id)) }
        Wait-MpTask $tasks
        ($tasks | Receive-MpTask) | Should -Be 2, 4, 6, 8, 10, 12, 14, 16, 18, 20
        $seen.Count | Should -Be 10
        $seen | ForEach-Object { $_[1] | Should -Be $caller }
    }

    It 'refuses a live queue handed to its tasks, at submission, with MpNotRemotable' {
        $queue = New-MpQueue
        $errs = $null
        $got = @(1, $queue, 3) | Invoke-MpPool { "$_" } -Pool $Pool -ErrorVariable errs -ErrorAction SilentlyContinue
        $got | Should -Be '1', '3'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpNotRemotable,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].TargetObject | Should -Be $queue
        { 1 | Invoke-MpPool { $using:queue } -Pool $Pool } | Should -Throw -ErrorId 'MpNotRemotable,Multiproc.Commands.InvokeMpPoolCommand'
        { 1 | Invoke-MpPool { param($q) $q } -Pool $Pool -ArgumentList $queue } | Should -Throw -ErrorId 'MpNotRemotable,Multiproc.Commands.InvokeMpPoolCommand'
        $Pool.State | Should -Be 'Open'
        $queue.Count | Should -Be 0
    }

    It 'sends a file as its properties, read here, not as a path the host may not have' {
        $file = Join-Path $TestDrive 'twelve.txt'
        Set-Content $file 'hello world' -NoNewline
        $seen = Get-Item $file | Invoke-MpPool { [pscustomobject]@{ Length = $_.Length; Name = $_.Name; Type = $_.PSTypeNames[0]; When = $_.LastWriteTimeUtc } } -Pool $Pool
        $seen.Length | Should -Be 11
        $seen.Name | Should -Be 'twelve.txt'
        $seen.Type | Should -Be 'Deserialized.System.IO.FileInfo'
        $seen.When | Should -Be (Get-Item $file).LastWriteTimeUtc
    }

    It 'brings back what a remote task writes to the host' {
        $pwshOut = & $script:Pwsh -NoProfile -NonInteractive -Command @"
Import-Module '$script:ModulePath'
`$pool = New-MpPool -HostName '$($Lab.HostNames[0])' -KeyFilePath '$($Lab.KeyFilePath)' -Options @{ UserKnownHostsFile = '$($Lab.Options.UserKnownHostsFile)' } -SizePerHost 1
1..3 | Invoke-MpPool { Write-Host "host line `$_" } -Pool `$pool
Stop-MpPool `$pool
"@
        $LASTEXITCODE | Should -Be 0
        $pwshOut | Should -Contain 'host line 1'
        $pwshOut | Should -Contain 'host line 3'
    }
}

Describe 'What a pool does, done on a host' -Skip:$script:NoSshd {
    BeforeAll {
        $script:Lab = Start-TestSshHosts -Address '127.0.0.1'
        function Get-Double($n) { $n * 2 }
        $script:Pool = New-MpPool -HostName $Lab.HostNames[0] -KeyFilePath $Lab.KeyFilePath -Options $Lab.Options -SizePerHost 2 `
            -InitializationScript { $offset = 1000 } -Function Get-Double -Module Microsoft.PowerShell.Archive
    }
    AfterAll {
        Get-MpPool | Stop-MpPool
        Stop-TestSshHosts $script:Lab
    }

    It 'sets its workers up with -InitializationScript, -Function and -Module' {
        1..4 | Invoke-MpPool { (Get-Double $_) + $offset } -Pool $Pool | Should -Be 1002, 1004, 1006, 1008
        1 | Invoke-MpPool { (Get-Module Microsoft.PowerShell.Archive).Name } -Pool $Pool | Should -Be 'Microsoft.PowerShell.Archive'
    }

    It 'stops a task that runs past -TaskTimeout there, and the rest of the call goes on' {
        $errs = $null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $got = 1..4 | Invoke-MpPool { if ($_ -eq 2) { Start-Sleep 60 }; $_ } -Pool $Pool -TaskTimeout 1 -ChunkSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 20
        $got | Should -Be 1, 3, 4
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpTaskTimeout,*'
        $errs[0].TargetObject | Should -Be 2
        $errs[0].MpSource.HostName | Should -Be '127.0.0.1'
    }

    It 'journals a run and resumes it: only what failed runs again' {
        $journal = Join-Path $TestDrive 'remote.jsonl'
        $null = 1..6 | Invoke-MpPool { if ($_ -gt 4) { throw 'not yet' }; "r$_" } -Pool $Pool -Journal $journal -ErrorAction SilentlyContinue
        @(Get-Content $journal).Count | Should -Be 6
        1..6 | Invoke-MpPool { "r$_" } -Pool $Pool -Journal $journal -Resume | Should -Be 'r1', 'r2', 'r3', 'r4', 'r5', 'r6'
        @(Get-Content $journal).Count | Should -Be 8
    }
}

Describe 'examples/10-remote.ps1' -Skip:$script:NoSshd {
    BeforeAll { $script:Lab = Start-TestSshHosts }
    AfterAll { Stop-TestSshHosts $script:Lab }

    It 'runs on two hosts: the squares in order, each host with its workers, a warning that names its host' {
        $example = Join-Path $PSScriptRoot '../examples/10-remote.ps1'
        $out = & $script:Pwsh -NoProfile -NonInteractive -Command "Import-Module '$script:ModulePath'; & '$example' -HostName $($Lab.HostNames -join ',') -KeyFilePath '$($Lab.KeyFilePath)' -Options @{ UserKnownHostsFile = '$($Lab.Options.UserKnownHostsFile)' }" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out[0] | Should -Be "squares: $((1..20 | ForEach-Object { $_ * $_ }) -join ' ')"
        $out[1] | Should -Match '^127\.0\.0\.1: Connected, workers \d+, \d+$'
        $out[2] | Should -Match '^127\.0\.0\.2: Connected, workers \d+, \d+$'
        $out[3] | Should -Match '^a warning came from 127\.0\.0\.[12], worker \d+$'
    }
}

Describe 'Reaching hosts' -Skip:$script:NoSshd {
    BeforeAll {
        $script:Lab = Start-TestSshHosts -Address '127.0.0.1'
    }
    AfterAll {
        Get-MpPool | Stop-MpPool
        Stop-TestSshHosts $script:Lab
    }

    It 'works through a session the caller opened, and leaves it usable' {
        $session = New-PSSession -HostName '127.0.0.1' -Port $Lab.Port -KeyFilePath $Lab.KeyFilePath -Options $Lab.Options
        try {
            $pool = New-MpPool -Session $session -SizePerHost 2
            1..10 | Invoke-MpPool { $_ + 100 } -Pool $pool | Should -Be (101..110)
            $pool.Hosts[0].HostName | Should -Be '127.0.0.1'
            Stop-MpPool $pool
            Invoke-Command -Session $session { 6 * 7 } | Should -Be 42
        }
        finally { Remove-PSSession $session }
    }

    It 'sends a call''s definition to a host once, whichever of its workers run the call' {
        $pool = New-MpPool -HostName $Lab.HostNames[0] -KeyFilePath $Lab.KeyFilePath -Options $Lab.Options -SizePerHost 2
        try {
            $big = 'x' * 1MB
            $site = $pool.GetType().GetField('_sites', [Reflection.BindingFlags]'NonPublic,Instance').GetValue($pool)[0]
            $sentBytes = $site.GetType().GetProperty('SentBytes', [Reflection.BindingFlags]'NonPublic,Instance')
            $before = $sentBytes.GetValue($site)
            $seen = 1..8 | Invoke-MpPool { Start-Sleep -Milliseconds 50; [pscustomobject]@{ Size = $using:big.Length; Worker = $PID } } -Pool $pool -ChunkSize 1
            $sent = $sentBytes.GetValue($site) - $before
            $seen.Size | Sort-Object -Unique | Should -Be (1MB)
            @($seen.Worker | Sort-Object -Unique).Count | Should -Be 2 -Because 'both workers ran part of the call'
            $sent | Should -BeGreaterThan 1MB
            $sent | Should -BeLessThan 1.5MB -Because 'the 1 MB value crossed once, not once per worker'
        }
        finally { Stop-MpPool $pool }
    }

    It 'runs local workers beside a host''s when -Size is given too' {
        $pool = New-MpPool -HostName $Lab.HostNames[0] -KeyFilePath $Lab.KeyFilePath -Options $Lab.Options -SizePerHost 1 -Size 1
        try {
            $pool.Size | Should -Be 2
            $pool.Hosts.State | Should -Be 'Local', 'Connected'
            $local = $pool.Hosts[0].WorkerIds[0]
            $local | Should -BeIn @(Get-ChildProcessId $PID)
            $ran = 1..40 | Invoke-MpPool { Start-Sleep -Milliseconds 20; $PID } -Pool $pool -ChunkSize 1
            @($ran | Sort-Object -Unique) | Should -Be @($pool.WorkerIds | Sort-Object)
        }
        finally { Stop-MpPool $pool }
    }

    It 'fails with MpHostUnreachable at once for a closed port' {
        $closed = Get-FreeLoopbackPort
        $pools = @(Get-MpPool).Count
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { New-MpPool -HostName "127.0.0.1:$closed" -KeyFilePath $Lab.KeyFilePath -Options $Lab.Options 2>$null } |
            Should -Throw -ErrorId 'MpHostUnreachable,Multiproc.Commands.NewMpPoolCommand'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
        @(Get-MpPool).Count | Should -Be $pools
    }

    It 'fails with MpHostUnreachable instead of asking about a host key it does not know' {
        $err = $null
        try { New-MpPool -HostName $Lab.HostNames[0] -KeyFilePath $Lab.KeyFilePath -Options @{ UserKnownHostsFile = '/dev/null' } 2>$null }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MpHostUnreachable,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -Match "127\.0\.0\.1.*BatchMode"
    }

    It 'leaves no worker, agent or session on the host once Stop-MpPool returns' {
        $sshd = $Lab.Hosts[0].Process.Id
        Wait-Until { @(Get-DescendantProcessId $sshd).Count -eq 0 } -TimeoutSeconds 10 -Because "the earlier tests' sessions to be gone"
        $pool = New-MpPool -HostName $Lab.HostNames[0] -KeyFilePath $Lab.KeyFilePath -Options $Lab.Options -SizePerHost 2
        $workers = $pool.WorkerIds
        $workers.Count | Should -Be 2
        @(Get-DescendantProcessId $sshd).Count | Should -BeGreaterThan 2   # the session's sshd, its pwsh, the workers
        Stop-MpPool $pool
        foreach ($id in $workers) { Test-ProcessAlive $id | Should -BeFalse -Because "worker $id is stopped with its pool" }
        Wait-Until { @(Get-DescendantProcessId $sshd).Count -eq 0 } -TimeoutSeconds 10 -Because 'the session to end with the pool that opened it'
    }
}

Describe 'Faults on other hosts' -Skip:$script:NoSshd {
    BeforeAll {
        $script:Lab = Start-TestSshHosts
        $script:Reach = @{ HostName = $Lab.HostNames; KeyFilePath = $Lab.KeyFilePath; Options = $Lab.Options }
        $script:Marks = Join-Path $Lab.Directory 'marks'
    }
    BeforeEach {
        Remove-Item $Marks -Recurse -Force -ErrorAction Ignore
        $null = New-Item -ItemType Directory $Marks
    }
    AfterAll {
        Get-MpPool | Stop-MpPool
        Stop-TestSshHosts $script:Lab
    }

    # Item 1 says which worker runs it, then waits for the test to let it go; the others end at once.
    BeforeAll {
        $script:HoldFirst = {
            param($marks)
            if ($_ -eq 1 -and -not (Test-Path "$marks/go")) {
                Set-Content "$marks/running.new" $PID
                Move-Item "$marks/running.new" "$marks/running"   # whole: a reader never sees it empty
                while (-not (Test-Path "$marks/go")) { Start-Sleep -Milliseconds 20 }
            }
            "$_"
        }
    }

    It 'retries a task whose remote worker was killed, and replaces the worker on its host' {
        $pool = New-MpPool @Reach -SizePerHost 1 -RetryCount 1 -RetryDelay 0
        $tasks = 1..4 | Invoke-MpPool $HoldFirst -ArgumentList $Marks -Pool $pool -Async
        Wait-Until { Test-Path "$Marks/running" } -Because 'item 1 to start'
        $victim = [int](Get-Content "$Marks/running")
        $victimHost = ($pool.Hosts | Where-Object { $victim -in $_.WorkerIds }).HostName
        Set-Content "$Marks/go" 1
        Stop-Process -Id $victim -Force
        Wait-MpTask $tasks
        $tasks[0].State | Should -Be 'Completed'
        ($tasks | Receive-MpTask) | Should -Be '1', '2', '3', '4'
        Wait-Until { ($pool.Hosts | Where-Object HostName -EQ $victimHost).WorkerIds.Count -eq 1 } -Because 'a new worker on the same host'
        ($pool.Hosts | Where-Object HostName -EQ $victimHost).WorkerIds | Should -Not -Contain $victim
        Stop-MpPool $pool
    }

    It 'fails a task whose remote worker was killed with MpWorkerLost, naming the worker and host, when no attempt is left' {
        $pool = New-MpPool @Reach -SizePerHost 1
        $errs = $null
        $job = Start-ThreadJob { param($marks) while (-not (Test-Path "$marks/running")) { Start-Sleep -Milliseconds 20 }; Stop-Process -Id ([int](Get-Content "$marks/running")) -Force } -ArgumentList $Marks
        $got = 1..4 | Invoke-MpPool $HoldFirst -ArgumentList $Marks -Pool $pool -ChunkSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $job | Wait-Job | Remove-Job
        $got | Should -Be '2', '3', '4'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpWorkerLost,*'
        $errs[0].TargetObject | Should -Be 1
        $errs[0].Exception.Message | Should -Match 'killed by SIGKILL'
        $errs[0].MpSource.HostName | Should -BeIn '127.0.0.1', '127.0.0.2'
        Stop-MpPool $pool
    }

    It 'goes on with the other host when one is lost mid-run, and shows it lost' {
        $pool = New-MpPool @Reach -SizePerHost 1
        $tasks = 1..6 | Invoke-MpPool $HoldFirst -ArgumentList $Marks -Pool $pool -Async
        Wait-Until { Test-Path "$Marks/running" } -Because 'item 1 to start'
        $victim = [int](Get-Content "$Marks/running")
        $lost = ($pool.Hosts | Where-Object { $victim -in $_.WorkerIds }).HostName
        $lost | Should -BeIn '127.0.0.1', '127.0.0.2' -Because "worker $victim runs item 1 on a host of the pool ($($pool.Hosts -join ', '))"
        Stop-TestSshHost $Lab $lost
        Wait-MpTask $tasks -Timeout 60
        $tasks[0].State | Should -Be 'Failed'
        $tasks[0].Error.FullyQualifiedErrorId | Should -Be 'MpHostLost'
        $tasks[0].Error.Exception.Message | Should -Match ([regex]::Escape($lost))
        ($tasks | Select-Object -Skip 1 | Receive-MpTask) | Should -Be '2', '3', '4', '5', '6'
        $gone = $pool.Hosts | Where-Object HostName -EQ $lost
        $gone.State | Should -Be 'Lost'
        $gone.WorkerIds | Should -BeNullOrEmpty
        ($pool.Hosts | Where-Object HostName -NE $lost).State | Should -Be 'Connected'
        (Get-MpPool | Out-String) | Should -Match "$([regex]::Escape($lost)) \(lost\)"
        # and it still runs work, on the host that is left
        1..4 | Invoke-MpPool { $_ } -Pool $pool | Should -Be 1, 2, 3, 4
        Stop-MpPool $pool
    }
}
