BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # No warm standby here: a worker may take it, and its replacement would look like a worker left behind.
    $script:StandbyCount = [Multiproc.MpSettings]::StandbyCount
    [Multiproc.MpSettings]::StandbyCount = 0
    $script:Pool = New-MpPool -Size 2 -Name 'tests'
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
    [Multiproc.MpSettings]::StandbyCount = $script:StandbyCount
}

Describe 'Invoke-MpPool in map mode' {
    It 'returns results in input order, equal to the sequential results, for 10,000 items' {
        $expected = 1..10000 | ForEach-Object { $_ * 3 }
        $got = 1..10000 | Invoke-MpPool { $_ * 3 } -Pool $script:Pool
        $got.Count | Should -Be 10000
        ($got -join ',') | Should -BeExactly ($expected -join ',')
    }

    It 'returns the same multiset with -Unordered, and with -ChunkSize 1' {
        $got = 1..2000 | Invoke-MpPool { "item $_" } -Pool $script:Pool -Unordered
        ($got | Sort-Object) -join ',' | Should -BeExactly ((1..2000 | ForEach-Object { "item $_" } | Sort-Object) -join ',')
        (1..50 | Invoke-MpPool { $_ } -Pool $script:Pool -ChunkSize 1 | Measure-Object -Sum).Sum | Should -Be 1275
    }

    It 'runs tasks in the workers, not here' {
        $pids = 1..200 | Invoke-MpPool { $PID } -Pool $script:Pool -Unordered | Sort-Object -Unique
        $pids | Should -Not -Contain $PID
        $pids | ForEach-Object { $_ | Should -BeIn $script:Pool.WorkerIds }
    }

    It 'brings $using: values and binds -ArgumentList to param() for every task' {
        $offset = 1000
        1..3 | Invoke-MpPool { param($factor) $_ * $factor + $using:offset } -Pool $script:Pool -ArgumentList 10 |
            Should -Be 1010, 1020, 1030
    }

    It 'keeps an item''s several outputs together, and its warnings beside them' {
        $warnings = $null
        $got = 1..3 | Invoke-MpPool { $_; $_ * 10; Write-Warning "w$_" } -Pool $script:Pool -WarningVariable warnings -WarningAction SilentlyContinue
        $got | Should -Be 1, 10, 2, 20, 3, 30
        $warnings.Message | Should -Be 'w1', 'w2', 'w3'
    }

    It 'runs a scriptblock with a process block of its own once per item' {
        1..4 | Invoke-MpPool { begin { $n = 100 } process { $_ + $n } } -Pool $script:Pool | Should -Be 101, 102, 103, 104
    }

    It 'yields one error whose TargetObject is the failing input, while the others succeed' {
        $errs = $null
        $got = 1..6 | Invoke-MpPool { if ($_ -eq 4) { throw "four is bad" }; $_ } -Pool $script:Pool -ErrorVariable errs -ErrorAction SilentlyContinue
        $got | Should -Be 1, 2, 3, 5, 6
        $errs.Count | Should -Be 1
        $errs[0].TargetObject | Should -Be 4
        $errs[0].Exception.Message | Should -Be 'four is bad'
    }

    It 'stops the whole call on -ErrorAction Stop and cancels what is left' {
        $before = $script:Pool.Completed
        { 1..5000 | Invoke-MpPool { if ($_ -eq 2) { throw 'stop here' }; Start-Sleep -Milliseconds 1; $_ } -Pool $script:Pool -ChunkSize 1 -ErrorAction Stop } |
            Should -Throw 'stop here'
        Wait-Until { $script:Pool.Busy -eq 0 -and $script:Pool.Queued -eq 0 } -Because 'the rest of the call to be cancelled'
        ($script:Pool.Completed - $before) | Should -BeLessThan 4999
    }

    It 'ends quietly when Select-Object -First has what it wants' {
        1..100000 | Invoke-MpPool { $_ } -Pool $script:Pool | Select-Object -First 3 | Should -Be 1, 2, 3
        Wait-Until { $script:Pool.Queued -eq 0 -and $script:Pool.Busy -eq 0 } -Because 'the rest of the call to be cancelled'
    }

    It 'fails the item a killed worker ran with MpWorkerLost, keeps the pool''s size, and goes on' {
        $pool = New-MpPool -Size 2
        try {
            $errs = $null
            $got = 1..6 | Invoke-MpPool {
                if ($_ -eq 3) { Stop-Process -Id $PID -Force }
                $_
            } -Pool $pool -ChunkSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue
            $got | Should -Be 1, 2, 4, 5, 6
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpWorkerLost*'
            $errs[0].TargetObject | Should -Be 3
            Wait-Until { $pool.WorkerIds.Count -eq 2 } -Because 'a new worker to replace the dead one'
            1..10 | Invoke-MpPool { $_ } -Pool $pool | Should -Be (1..10)
        }
        finally { Stop-MpPool $pool }
    }

    It 'treats exit in a task as the worker ending: MpWorkerLost for that task only' {
        $pool = New-MpPool -Size 1
        try {
            $errs = $null
            $got = 'a', 'exit', 'b' | Invoke-MpPool { if ($_ -eq 'exit') { exit 3 }; $_ } -Pool $pool -ErrorVariable errs -ErrorAction SilentlyContinue
            $got | Should -Be 'a', 'b'
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpWorkerLost*'
            $errs[0].TargetObject | Should -Be 'exit'
        }
        finally { Stop-MpPool $pool }
    }

    It 'starts a pool for the call without -Pool and leaves no worker behind' {
        $before = @(Get-ChildProcessId $PID)
        1..20 | Invoke-MpPool { $_ * 2 } -Size 2 | Measure-Object -Sum | ForEach-Object Sum | Should -Be 420
        Wait-Until { @(Get-ChildProcessId $PID | Where-Object { $_ -notin $before -and (Test-ProcessAlive $_) }).Count -eq 0 } -Because 'the call''s workers to exit'
    }

    It 'stops on Ctrl+C and leaves no worker of the pool it made' {
        $before = @(Get-ChildProcessId $PID)
        $started = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "mp-ctrlc-$([guid]::NewGuid())")).FullName
        $ps = New-ModuleShell
        try {
            # Each task marks that it runs, so the stop lands while both workers are in a task.
            $null = $ps.AddScript("1..100 | Invoke-MpPool { `$null = New-Item (Join-Path '$started' `$_); Start-Sleep 30; `$_ } -Size 2 -ChunkSize 1")
            $async = $ps.BeginInvoke()
            Wait-Until { @(Get-ChildItem $started).Count -ge 2 } -Because 'a task to run in each worker'
            $async.IsCompleted | Should -BeFalse
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose(); Remove-Item $started -Recurse -Force }
        Wait-Until { @(Get-ChildProcessId $PID | Where-Object { $_ -notin $before -and (Test-ProcessAlive $_) }).Count -eq 0 } -Because 'the call''s workers to exit'
    }

    It 'shows progress, tasks done and rate, once a call runs longer than about a second' {
        $ps = New-ModuleShell
        try {
            $null = $ps.AddScript('1..30 | Invoke-MpPool { Start-Sleep -Milliseconds 100; $_ } -Size 2')
            $out = $ps.Invoke()
            $out | Should -HaveCount 30
            $progress = @($ps.Streams.Progress | Where-Object { $_.RecordType -ne 'Completed' -and $_.ParentActivityId -eq -1 })
            $progress.Count | Should -BeGreaterThan 0
            $progress[-1].StatusDescription | Should -Match '^\d+ of 30 done, \d+ failed, \d+ queued, [\d,.]+ tasks/s$'
        }
        finally { $ps.Dispose() }
    }

    It 'fails at the sender with MpSerialization for an input that cannot cross, and runs the rest' {
        [Multiproc.MpSettings]::MaxMessageBytes = 1024
        try {
            $errs = $null
            $got = 'small', ('x' * 5000), 'also small' | Invoke-MpPool { $_.Length } -Pool $script:Pool -ErrorVariable errs -ErrorAction SilentlyContinue
        }
        finally { [Multiproc.MpSettings]::MaxMessageBytes = 1GB }
        $got | Should -Be 5, 10
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpSerialization*'
    }
}

Describe 'New-MpPool' {
    It 'sets workers up with -InitializationScript, -Function and -Module' {
        function Get-Doubled($n) { $n * 2 }
        $module = Join-Path ([IO.Path]::GetTempPath()) "MpPoolTest$([guid]::NewGuid().ToString('N')).psm1"
        Set-Content $module 'function Get-Tripled($n) { $n * 3 }'
        $prefix = 'init'
        $pool = New-MpPool -Size 2 -InitializationScript { $label = "$using:prefix-$PID" } -Function Get-Doubled -Module $module
        try {
            $got = 1..4 | Invoke-MpPool { "{0}|{1}|{2}" -f $label, (Get-Doubled $_), (Get-Tripled $_) } -Pool $pool
            $got | ForEach-Object { $_ | Should -Match '^init-\d+\|' }
            $got | ForEach-Object { $_.Split('|')[1..2] -join ',' } | Should -Be '2,3', '4,6', '6,9', '8,12'
        }
        finally {
            Stop-MpPool $pool
            Remove-Item $module
        }
    }

    It 'fails with MpPoolSetup when the initialization script throws, and leaves no worker' {
        $before = @(Get-ChildProcessId $PID)
        { New-MpPool -Size 1 -InitializationScript { throw 'no setup today' } } | Should -Throw -ErrorId 'MpPoolSetup,*'
        Wait-Until { @(Get-ChildProcessId $PID | Where-Object { $_ -notin $before -and (Test-ProcessAlive $_) }).Count -eq 0 } -Because 'the worker to exit'
    }

    It 'replaces workers after -MaxTasksPerWorker tasks: their ids change' {
        $pool = New-MpPool -Size 1 -MaxTasksPerWorker 3
        try {
            $pids = 1..9 | Invoke-MpPool { $PID } -Pool $pool -ChunkSize 1
            $pids | Should -HaveCount 9
            ($pids | Select-Object -Unique).Count | Should -Be 3
            $pids[0..2] | Select-Object -Unique | Should -HaveCount 1
        }
        finally { Stop-MpPool $pool }
    }

    It 'rejects a size below 1 before anything starts' {
        { New-MpPool -Size 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Multiproc.Commands.NewMpPoolCommand'
    }
}

Describe 'Pool workers and the session' {
    It 'go when the process that made the pool is killed' {
        $ids = Join-Path $TestDrive 'workers.txt'
        $script = "Import-Module '$script:ModulePath'; `$p = New-MpPool -Size 2; Set-Content '$ids' `$p.WorkerIds; Start-Sleep 120"
        $parent = Start-Process $script:Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -PassThru
        try {
            Wait-Until { (Test-Path $ids) -and @(Get-Content $ids).Count -eq 2 } -TimeoutSeconds 60 -Because 'the pool to start'
            $workers = [int[]](Get-Content $ids)
            $workers | ForEach-Object { Test-ProcessAlive $_ | Should -BeTrue }
            Stop-Process -Id $parent.Id -Force   # SIGKILL
            Wait-Until { @($workers | Where-Object { Test-ProcessAlive $_ }).Count -eq 0 } -TimeoutSeconds 10 -Because 'the workers to exit with their parent'
        }
        finally { Stop-Process -Id $parent.Id -Force -ErrorAction Ignore }
    }
}

Describe 'Host output of workers' {
    It 'shows every Write-Host line of workers printing at once on this console, whole' {
        $script = "Import-Module '$script:ModulePath'; `$p = New-MpPool -Size 3; `$null = 1..600 | Invoke-MpPool { Write-Host ""line from `$PID item `$_"" } -Pool `$p; Stop-MpPool `$p"
        $out = & $script:Pwsh -NoProfile -NonInteractive -Command $script
        $out | Should -HaveCount 600
        $out | Where-Object { $_ -notmatch '^line from \d+ item \d+$' } | Should -BeNullOrEmpty
        ($out | ForEach-Object { [int]$_.Split(' ')[-1] } | Sort-Object) -join ',' | Should -Be ((1..600) -join ',')
    }
}

Describe 'Invoke-MpPool -Async, MpTask and callbacks' {
    It 'runs every callback exactly once, in this process, by the time Wait-MpPool returns; ErrorCallback gets the errors' {
        $pool = New-MpPool -Size 2
        $results = [System.Collections.Generic.List[object]]::new()
        $failures = [System.Collections.Generic.List[object]]::new()
        $threads = [System.Collections.Generic.HashSet[int]]::new()
        $tasks = 1..50 | Invoke-MpPool { if ($_ % 10 -eq 0) { throw "bad $_" }; $_ + 100 } -Pool $pool -Async `
            -Callback { $results.Add("$_ in $PID"); $null = $threads.Add([Environment]::CurrentManagedThreadId) } `
            -ErrorCallback { $failures.Add($_.TargetObject) }
        $tasks | Should -HaveCount 50
        $tasks[0] | Should -BeOfType [Multiproc.MpTask]
        Wait-MpPool $pool
        $results | Should -HaveCount 45
        ($results | Sort-Object -Unique) | Should -HaveCount 45
        $results | ForEach-Object { $_ | Should -Match " in $PID$" }
        $threads | Should -Be ([Environment]::CurrentManagedThreadId)
        $failures | Should -HaveCount 5
        ($failures | Sort-Object) -join ',' | Should -Be '10,20,30,40,50' -Because 'the error record''s TargetObject is the failed task''s input'
        $pool.State | Should -Be ([Multiproc.MpPoolState]::Closed)
        $pool.Completed | Should -Be 45
        $pool.Failed | Should -Be 5
    }

    It 'ends Wait-MpTask in another runspace once the task it was handed ends' {
        $pool = New-MpPool -Size 1
        $ps = New-ModuleShell
        try {
            $task = Invoke-MpPool { Start-Sleep -Milliseconds 500; 'done' } -Pool $pool -Async
            $null = $ps.AddScript('$w = [Diagnostics.Stopwatch]::StartNew(); $null = Wait-MpTask $args[0] -Timeout 30; $w.Elapsed.TotalSeconds').AddArgument($task)
            $ps.Invoke()[0] | Should -BeLessThan 10 -Because 'the wait must see the task end, not its own timeout'
            $task.State | Should -Be 'Completed'
        }
        finally { $ps.Dispose(); Stop-MpPool $pool }
    }

    It 'keeps no -Async lane once its tasks are done, however many $using: values made one each' {
        $pool = New-MpPool -Size 2
        try {
            $tasks = foreach ($n in 1..40) { Invoke-MpPool { $using:n * 2 } -Pool $pool -Async }
            ($tasks | Receive-MpTask | Sort-Object) | Should -Be (1..40 | ForEach-Object { $_ * 2 })
            Wait-MpPool $pool -Timeout 30
            $lanes = [Multiproc.MpPool].GetField('_lanes', [Reflection.BindingFlags]'NonPublic, Instance').GetValue($pool)
            $lanes.Count | Should -Be 0
        }
        finally { Stop-MpPool $pool }
    }

    It 'runs callbacks between the caller''s own statements too, as event actions run, without a Multiproc cmdlet waiting' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$script:ModulePath'; `$global:pool = New-MpPool -Size 1; `$global:got = [System.Collections.Generic.List[object]]::new()").Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddScript('$null = 1..3 | Invoke-MpPool { $_ * 2 } -Pool $pool -Async -Callback { $got.Add($_) }').Invoke()
            $ps.Commands.Clear()
            # Plain statements, no Multiproc cmdlet: the engine runs due event actions between them.
            $got = $ps.AddScript('foreach ($i in 1..100) { if ($got.Count -eq 3) { break }; Start-Sleep -Milliseconds 100 }; $got').Invoke()
            $got | Sort-Object | Should -Be 2, 4, 6
        }
        finally {
            $ps.Commands.Clear()
            $null = $ps.AddScript('Stop-MpPool $pool').Invoke()
            $ps.Dispose()
        }
    }

    It 'gives results through GetResult, Wait-MpTask and Receive-MpTask; a failed task re-emits its error' {
        $ok = Invoke-MpPool { param($a, $b) $a + $b } -Pool $script:Pool -ArgumentList 2, 3 -Async
        $bad = Invoke-MpPool { throw 'task failed' } -Pool $script:Pool -Async
        $ok.GetResult(60) | Should -Be 5
        Wait-MpTask $ok, $bad -Timeout 60 | Should -HaveCount 2
        $ok.IsCompleted | Should -BeTrue
        $bad.State | Should -Be ([Multiproc.MpTaskState]::Failed)
        { $bad.GetResult(1) } | Should -Throw -ExceptionType ([Multiproc.MpTaskFailedException])
        Receive-MpTask $ok | Should -Be 5
        $errs = $null
        Receive-MpTask $bad -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].Exception.Message | Should -Be 'task failed'
    }

    It 'returns at the first task done with Wait-MpTask -Any, and at -Timeout without an error' {
        $slow = Invoke-MpPool { Start-Sleep 30 } -Pool $script:Pool -Async
        $fast = Invoke-MpPool { 'fast' } -Pool $script:Pool -Async
        (Wait-MpTask $slow, $fast -Any -Timeout 60).Id | Should -Be $fast.Id
        Wait-MpTask $slow -Timeout 0.2 | Should -BeNullOrEmpty
        { $slow.GetResult(0) } | Should -Throw -ErrorId MpTimeout
    }

    It 'fails submissions after Wait-MpPool with MpPoolClosed; Stop-MpPool leaves no worker process' {
        $pool = New-MpPool -Size 2 -Name 'closing'
        (Get-MpPool -Name 'clos*').Name | Should -Be 'closing'
        $ids = $pool.WorkerIds
        $ids | Should -HaveCount 2
        $task = Invoke-MpPool { Start-Sleep 30 } -Pool $pool -Async
        Wait-MpPool $pool -Timeout 0.2
        $pool.State | Should -Be 'Closing'
        { 1 | Invoke-MpPool { $_ } -Pool $pool } | Should -Throw -ErrorId 'MpPoolClosed,*'
        Stop-MpPool $pool
        $pool.State | Should -Be 'Stopped'
        $task.State | Should -Be 'Failed'
        { $task.GetResult() } | Should -Throw -ErrorId MpPoolClosed
        Wait-Until { @($ids | Where-Object { Test-ProcessAlive $_ }).Count -eq 0 } -Because 'the workers to be gone'
        Get-MpPool -Name 'closing' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        { Get-MpPool -Name 'closing' -ErrorAction Stop } | Should -Throw -ErrorId 'MpPoolNotFound,*'
    }
}
