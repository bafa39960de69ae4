BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:StandbyCount = [Multiproc.MpSettings]::StandbyCount
    [Multiproc.MpSettings]::StandbyCount = 0
    $script:Pool = New-MpPool -Size 2 -Name 'robust'
    # Each task counts its runs per input here, so a test can tell what ran how often.
    $script:Runs = New-MpDictionary
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
    [Multiproc.MpSettings]::StandbyCount = $script:StandbyCount
}

Describe 'Invoke-MpPool -TaskTimeout' {
    It 'stops a task in Start-Sleep after about its timeout: its finally runs, the rest succeed' {
        $marks = New-MpList
        $errs = $null
        $elapsed = Measure-Command {
            $got = 1..6 | Invoke-MpPool {
                if ($_ -eq 3) { try { Start-Sleep 600 } finally { ($using:marks).Add("finally $_") } }
                $_
            } -Pool $script:Pool -TaskTimeout 1 -ChunkSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        }
        $got | Should -Be 1, 2, 4, 5, 6
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpTaskTimeout,*'
        $errs[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $errs[0].TargetObject | Should -Be 3
        $errs[0].Exception.Message | Should -Match 'input 2 of the call'
        $errs[0].Exception.Message | Should -Match "pool worker ($($script:Pool.WorkerIds -join '|'))\b"
        $errs[0].Exception.Message | Should -Match 'after 1\.\d s'
        @($marks.ToArray()) | Should -Be 'finally 3'
        $elapsed.TotalSeconds | Should -BeLessThan 30
    }

    It 'kills a task that ignores the stop once -StopGrace is over; the pool keeps its size and goes on' {
        $pool = New-MpPool -Size 2
        try {
            $before = $pool.WorkerIds
            $errs = $null
            $got = 1..4 | Invoke-MpPool {
                if ($_ -eq 2) { [Threading.Thread]::Sleep(600000) }
                $_
            } -Pool $pool -TaskTimeout 1 -StopGrace 1 -ChunkSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue
            $got | Should -Be 1, 3, 4
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpTaskTimeout,*'
            $errs[0].Exception.Message | Should -Match 'StopGrace, so its worker was killed'
            Wait-Until { $pool.WorkerIds.Count -eq 2 } -Because 'a new worker in place of the killed one'
            @($pool.WorkerIds | Where-Object { $_ -notin $before }).Count | Should -Be 1
            1..20 | Invoke-MpPool { $_ * 2 } -Pool $pool | Should -Be (1..20 | ForEach-Object { $_ * 2 })
        }
        finally { Stop-MpPool $pool }
    }

    It 'takes the pool''s -TaskTimeout as its calls'' default, and a call''s own value wins' {
        $pool = New-MpPool -Size 1 -TaskTimeout 1 -StopGrace 1
        try {
            $errs = $null
            'slow' | Invoke-MpPool { Start-Sleep 600 } -Pool $pool -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpTaskTimeout,*'
            'slow' | Invoke-MpPool { Start-Sleep 2; 'done' } -Pool $pool -TaskTimeout 60 | Should -Be 'done'
        }
        finally { Stop-MpPool $pool }
    }

    It 'times out an -Async task, which fails with MpTaskTimeout' {
        $task = 'x' | Invoke-MpPool { Start-Sleep 600 } -Pool $script:Pool -Async -TaskTimeout 1
        { $task.GetResult(60) } | Should -Throw -ErrorId 'MpTaskTimeout'
        $task.State | Should -Be 'Failed'
    }
}

Describe 'Invoke-MpPool -RetryCount' {
    BeforeEach { $script:Runs.Clear() }

    It 'runs a task that fails on its first two attempts again until it succeeds with -RetryCount 2' {
        $runs = $script:Runs
        $got = 'a', 'b', 'c' | Invoke-MpPool {
            $n = ($using:runs).Increment($_)
            if ($_ -eq 'b' -and $n -le 2) { throw "flaky $n" }
            "$_ after $n"
        } -Pool $script:Pool -RetryCount 2 -RetryOn '*' -RetryDelay 0.1
        $got | Should -Be 'a after 1', 'b after 3', 'c after 1'
        $runs['a'] | Should -Be 1
        $runs['c'] | Should -Be 1
    }

    It 'writes only the last attempt''s error, saying how many attempts there were' {
        $runs = $script:Runs
        $errs = $null
        $got = 'a', 'b', 'c' | Invoke-MpPool {
            $n = ($using:runs).Increment($_)
            if ($_ -eq 'b' -and $n -le 2) { throw "flaky $n" }
            $_
        } -Pool $script:Pool -RetryCount 1 -RetryOn '*' -RetryDelay 0 -ErrorVariable errs -ErrorAction SilentlyContinue
        $got | Should -Be 'a', 'c'
        $errs.Count | Should -Be 1
        $errs[0].TargetObject | Should -Be 'b'
        "$($errs[0])" | Should -Match '^flaky 2 .*all 2 attempts'
        $runs['b'] | Should -Be 2
    }

    It 'does not retry a plain throw unless -RetryOn names its error id' {
        $runs = $script:Runs
        $errs = $null
        'a' | Invoke-MpPool { ($using:runs).Increment($_); throw 'no' } -Pool $script:Pool -RetryCount 3 -RetryDelay 0 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $runs['a'] | Should -Be 1
        $script:Runs.Clear()
        'a' | Invoke-MpPool { ($using:runs).Increment($_); throw 'no' } -Pool $script:Pool -RetryCount 3 -RetryDelay 0 -RetryOn 'MpWorkerLost', 'no' -ErrorVariable errs -ErrorAction SilentlyContinue
        $runs['a'] | Should -Be 4
        "$($errs[-1])" | Should -Match 'all 4 attempts'
    }

    It 'ends a task that kills its worker every time with MpWorkerLost after RetryCount + 1 attempts, on fresh workers' {
        $pool = New-MpPool -Size 2
        try {
            $runs = $script:Runs
            $errs = $null
            $got = 1..4 | Invoke-MpPool {
                $null = ($using:runs).Increment("$_")
                if ($_ -eq 2) { ($using:runs)["pid$(($using:runs)['2'])"] = $PID; Stop-Process -Id $PID -Force }
                $_
            } -Pool $pool -ChunkSize 1 -RetryCount 2 -RetryDelay 0 -ErrorVariable errs -ErrorAction SilentlyContinue
            $got | Should -Be 1, 3, 4
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpWorkerLost,*'
            "$($errs[0])" | Should -Match 'attempt 3\b.*all 3 attempts'
            $runs['2'] | Should -Be 3
            foreach ($n in '1', '3', '4') { $runs[$n] | Should -Be 1 -Because "input $n succeeded once" }
            @($runs['pid1'], $runs['pid2'], $runs['pid3'] | Sort-Object -Unique).Count | Should -Be 3 -Because 'each attempt ran in a worker of its own'
        }
        finally { Stop-MpPool $pool }
    }

    It 'retries a timed-out task by default once -RetryCount is given' {
        $runs = $script:Runs
        $got = 'x' | Invoke-MpPool {
            if (($using:runs).Increment($_) -eq 1) { Start-Sleep 600 }
            'second time'
        } -Pool $script:Pool -TaskTimeout 1 -RetryCount 1 -RetryDelay 0
        $got | Should -Be 'second time'
        $runs['x'] | Should -Be 2
    }
}

Describe 'Invoke-MpPool -MaxFailures' {
    It 'starts no new task after that many failures and ends with MpTooManyFailures and the counts' {
        $runs = $script:Runs
        $runs.Clear()
        $errs = $null
        $caught = $null
        try {
            1..50 | Invoke-MpPool { $null = ($using:runs).Increment('ran'); throw "bad $_" } -Pool $script:Pool -MaxFailures 3 -ErrorVariable errs -ErrorAction SilentlyContinue
        }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MpTooManyFailures,*'
        $caught.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $counts = $caught.TargetObject
        $counts.Succeeded | Should -Be 0
        $counts.Failed | Should -BeGreaterOrEqual 3
        $counts.NeverRun | Should -BeGreaterThan 0
        ($counts.Succeeded + $counts.Failed + $counts.NeverRun) | Should -Be 50
        $runs['ran'] | Should -Be $counts.Failed -Because 'every task that ran failed, and those that never ran did not run'
        "$caught" | Should -Match "$($counts.NeverRun) never ran"
        Wait-Until { $script:Pool.Busy -eq 0 -and $script:Pool.Queued -eq 0 } -Because 'nothing of the call to be left'
    }

    It 'ends too when inputs come slowly, those after the limit never running' {
        $ps = New-ModuleShell
        try {
            $null = $ps.AddScript({
                    param($pool, $runs)
                    $runs.Clear()
                    try { 1..40 | ForEach-Object { Start-Sleep -Milliseconds 25; $_ } | Invoke-MpPool { $null = ($using:runs).Increment('ran'); throw "bad $_" } -Pool $pool -MaxFailures 2 -ErrorAction SilentlyContinue }
                    catch { $_ }
                }).AddArgument($script:Pool).AddArgument($script:Runs)
            $running = $ps.BeginInvoke()
            $running.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60)) | Should -BeTrue -Because 'the call ends once the limit is reached'
            $caught = $ps.EndInvoke($running)[0]
            $caught.FullyQualifiedErrorId | Should -BeLike 'MpTooManyFailures,*'
            $caught.TargetObject.Failed | Should -Be $script:Runs['ran']
            $script:Runs['ran'] | Should -BeLessThan 40
        }
        finally { $ps.Dispose() }
    }

    It 'refuses -MaxFailures with -Async' {
        { 1 | Invoke-MpPool { $_ } -Pool $script:Pool -Async -MaxFailures 1 } | Should -Throw -ErrorId 'MpInvalidArgument,*'
    }
}

Describe 'A lost worker says why' {
    It 'names SIGKILL and the pid when a worker is killed with kill -9' {
        $pool = New-MpPool -Size 1
        try {
            $marks = New-MpList
            $errs = $null
            $task = 'victim' | Invoke-MpPool { ($using:marks).Add($PID); Start-Sleep 600 } -Pool $pool -Async
            Wait-Until { $marks.Count -gt 0 } -Because 'the task to run'
            $victim = $marks[0]
            & kill -9 $victim
            $task | Receive-MpTask -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpWorkerLost,*'
            $errs[0].TargetObject | Should -Be 'victim'
            "$($errs[0])" | Should -Match "process $victim\) was killed by SIGKILL"
            "$($errs[0])" | Should -Match 'input 0 of the call.*attempt 1'
        }
        finally { Stop-MpPool $pool }
    }

    It 'says "out of memory" when the kernel''s OOM killer ended it (in a memory cgroup of its own)' -Skip:($env:MULTIPROC_PORTABLE -in '1', 'true') {
        # The portable paths read no cgroups: there, it says "killed by SIGKILL" only.
        # A child cgroup of this process's memory cgroup, with a limit: where there is none to make, skip.
        $line = Get-Content /proc/self/cgroup -ErrorAction Ignore | Where-Object { $_ -match '^\d+:[^:]*\bmemory\b[^:]*:' } | Select-Object -First 1
        $cgroup = if ($line) { "/sys/fs/cgroup/memory$(($line -split ':', 3)[2].TrimEnd('/'))/multiproc-oom-$PID" }
        if (-not $cgroup -or -not (New-Item -ItemType Directory $cgroup -ErrorAction Ignore)) {
            Set-ItResult -Skipped -Because 'no memory cgroup can be made here'
            return
        }
        $script = Join-Path ([IO.Path]::GetTempPath()) "multiproc-oom-$PID.ps1"
        try {
            Set-Content "$cgroup/memory.limit_in_bytes" (900MB)
            # The task allocates native memory, which the runtime's own limit does not stop: the kernel must.
            Set-Content $script @"
Import-Module '$((Get-Module Multiproc).Path)'
[Multiproc.MpSettings]::StandbyCount = 0
`$errs = `$null
'hog' | Invoke-MpPool { while (`$true) { `$p = [Runtime.InteropServices.Marshal]::AllocHGlobal(64MB); for (`$o = 0; `$o -lt 64MB; `$o += 4096) { [Runtime.InteropServices.Marshal]::WriteByte(`$p, `$o, 1) } } } -Size 1 -ErrorVariable errs -ErrorAction SilentlyContinue
"`$(`$errs[0].FullyQualifiedErrorId)|`$(`$errs[0])"
"@
            $out = & sh -c "echo `$`$ > '$cgroup/cgroup.procs' && exec '$(Join-Path $PSHOME pwsh)' -NoProfile -File '$script'"
            $id, $message = "$out" -split '\|', 2
            $id | Should -BeLike 'MpWorkerLost,*'
            $message | Should -Match 'killed by SIGKILL while its memory cgroup''s out-of-memory killer struck: it most likely ran out of memory'
            (Get-Content "$cgroup/memory.oom_control") -match '^oom_kill [1-9]' | Should -Not -BeNullOrEmpty
        }
        finally {
            Remove-Item $script -ErrorAction Ignore
            Wait-Until { -not (Get-Content "$cgroup/cgroup.procs") } -Because 'the cgroup''s processes to end'
            [IO.Directory]::Delete($cgroup)   # rmdir: a cgroup's files go with it
        }
    }

    It 'quotes a task''s [Environment]::FailFast in the error, and prints no .NET stack' {
        # In a pwsh of its own, to read what reaches its standard error.
        $script = Join-Path $TestDrive 'failfast.ps1'
        $stderr = Join-Path $TestDrive 'failfast.err'
        Set-Content $script @"
Import-Module '$((Get-Module Multiproc).Path)'
[Multiproc.MpSettings]::StandbyCount = 0
`$errs = `$null
'ok', 'doomed' | Invoke-MpPool { if (`$_ -eq 'doomed') { [Environment]::FailFast("fail fast on `$_") }; `$_ } -Size 1 -ChunkSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue
"`$(`$errs[0].FullyQualifiedErrorId)|`$(`$errs[0])"
`$c = Start-MpProcess { [Environment]::FailFast('a child fails fast') }
`$null = `$c | Wait-MpProcess
`$c | Receive-MpProcess -ErrorVariable childErrs -ErrorAction SilentlyContinue
"`$(`$c.ExitCode)|`$(`$childErrs[0].FullyQualifiedErrorId)|`$(`$childErrs[0])"
"@
        $out = @(& $script:Pwsh -NoProfile -File $script 2> $stderr)
        $out.Count | Should -Be 3 -Because "the script prints 'ok' and two lines of findings: $out"
        $out[0] | Should -Be 'ok'
        $id, $message = $out[1] -split '\|', 2
        $id | Should -BeLike 'MpWorkerLost,*'
        $message | Should -Match 'was killed by SIGABRT, saying "Process terminated\. fail fast on doomed"\. It was input 1 of the call'
        $code, $id, $message = $out[2] -split '\|', 3
        $code | Should -Be 134
        $id | Should -Be 'MpChildFailed'
        $message | Should -Match '^The process MpProcess-\d+ ended with code 134, saying "Process terminated\. a child fails fast"'
        $printed = Get-Content $stderr -Raw
        $printed | Should -Not -Match 'System\.Environment\.FailFast|^\s+at ' -Because 'the runtime''s report of the crash is in the errors, not its stack on the console'
    }

    It 'still copies what a child writes to its standard error, lines that begin like the runtime''s report too' {
        $script = Join-Path $TestDrive 'stderr.ps1'
        $stderr = Join-Path $TestDrive 'stderr.err'
        Set-Content $script @"
Import-Module '$((Get-Module Multiproc).Path)'
`$null = Start-MpProcess { [Console]::Error.WriteLine('a line to stderr'); [Console]::Error.Write('Process'); [Console]::Error.Flush(); Start-Sleep -Milliseconds 200; [Console]::Error.WriteLine('ing, not terminated') } | Wait-MpProcess
# Text like the runtime's report, from a child that goes on writing: it is given back as it came.
`$c = Start-MpProcess { [Console]::Error.WriteLine('Unhandled exception. Only a line a script printed.'); Start-Sleep -Milliseconds 2500; [Console]::Error.WriteLine('and one after it') }
`$null = `$c | Wait-MpProcess
"state `$(`$c.State) errors `$(@(`$c.Error).Count)"
1..2 | Invoke-MpPool { [Console]::Error.WriteLine("task `$_ to stderr") } -Size 1
"@
        & $script:Pwsh -NoProfile -File $script 2> $stderr | Should -Be 'state Completed errors 0'
        $lines = @(Get-Content $stderr)
        $lines | Should -Contain 'Unhandled exception. Only a line a script printed.'
        $lines | Should -Contain 'and one after it'
        $lines | Should -Contain 'a line to stderr'
        $lines | Should -Contain 'Processing, not terminated'
        $lines | Should -Contain 'task 1 to stderr'
        $lines | Should -Contain 'task 2 to stderr'
    }

    It 'gives the code of a task''s exit' {
        $errs = $null
        'a', 'exit', 'b' | Invoke-MpPool { if ($_ -eq 'exit') { exit 7 }; $_ } -Pool $script:Pool -ChunkSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue |
            Should -Be 'a', 'b'
        "$($errs[0])" | Should -Match 'the task ran `exit 7`'
    }
}

Describe 'Faults together' {
    It 'gives exactly one answer to each of 200 inputs that throw, kill their worker and time out' {
        $runs = $script:Runs
        $runs.Clear()
        $errs = $null
        $got = 0..199 | Invoke-MpPool {
            $null = ($using:runs).Increment("$_")
            switch ($_ % 20) {
                3 { throw "thrown $_" }
                7 { Stop-Process -Id $PID -Force }
                11 { Start-Sleep 600 }
                13 { [Threading.Thread]::Sleep(600000) }
            }
            "ok $_"
        } -Pool $script:Pool -Unordered -TaskTimeout 1 -StopGrace 0.5 -ErrorVariable errs -ErrorAction SilentlyContinue
        $ok = @($got | ForEach-Object { [int]($_ -replace 'ok ') })
        $failed = @($errs | ForEach-Object TargetObject)
        ($ok + $failed | Sort-Object) -join ',' | Should -Be ((0..199) -join ',')
        $ok.Count | Should -Be 160
        @($errs | Where-Object FullyQualifiedErrorId -Like 'MpTaskTimeout,*').Count | Should -Be 20
        @($errs | Where-Object FullyQualifiedErrorId -Like 'MpWorkerLost,*').Count | Should -Be 10
        foreach ($n in $ok) { $runs["$n"] | Should -Be 1 -Because "input $n succeeded and never ran twice" }
    }
}

Describe 'Start-MpProcess -Timeout' {
    It 'stops a child that runs too long: its finally runs, State Stopped, error MpTaskTimeout' {
        $marks = New-MpList
        $child = Start-MpProcess { param($marks) try { Start-Sleep 600 } finally { $marks.Add('finally') } } -ArgumentList (, $marks) -Timeout 1
        Wait-MpProcess $child -Timeout 60
        $child.State | Should -Be 'Stopped'
        @($marks.ToArray()) | Should -Be 'finally'
        $errs = $null
        Receive-MpProcess $child -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpTaskTimeout*'
        "$($errs[0])" | Should -Match "-Timeout of 1 s and was stopped after 1\.\d s\.$"
        Remove-MpProcess $child
    }

    It 'kills a child that does not stop within 5 s, and says so' {
        $child = Start-MpProcess { [Threading.Thread]::Sleep(600000) } -Timeout 1
        Wait-MpProcess $child -Timeout 60
        $child.State | Should -Be 'Stopped'
        $child.ExitCode | Should -Be 137
        $errs = $null
        Receive-MpProcess $child -ErrorVariable errs -ErrorAction SilentlyContinue
        "$($errs[0])" | Should -Match 'it did not end within 5 s, so it was killed'
        Remove-MpProcess $child
    }

    It 'leaves a child that ends in time alone' {
        Start-MpProcess { 'quick' } -Timeout 60 -Wait | Should -Be 'quick'
    }
}

Describe 'Ctrl+C escalates' {
    It 'on Wait-MpProcess: the child it waits for stops (its finally runs), or is killed 5 s later' {
        $marks = New-MpList
        $started = New-MpList
        $soft = Start-MpProcess { param($marks, $started) try { $started.Add(1); Start-Sleep 600 } finally { $marks.Add('finally') } } -ArgumentList $marks, $started
        $hard = Start-MpProcess { param($started) $started.Add(2); [Threading.Thread]::Sleep(600000) } -ArgumentList (, $started)
        Assert-StopsOnCtrlC 'Wait-MpProcess $args[0], $args[1]' $soft, $hard -WithinSeconds 30 -Ready { $started.Count -eq 2 }
        $soft.State | Should -Be 'Stopped'
        $hard.State | Should -Be 'Stopped'
        $hard.ExitCode | Should -Be 137
        @($marks.ToArray()) | Should -Be 'finally'
        Remove-MpProcess $soft, $hard
    }

    It 'on Invoke-MpPool: running tasks stop softly, and one that ignores the stop is killed after -StopGrace' {
        $marks = New-MpList
        $started = New-MpList
        $pool = New-MpPool -Size 2
        try {
            $workers = $pool.WorkerIds
            $task = '1..2 | Invoke-MpPool { param($marks, $started) $started.Add($_); if ($_ -eq 1) { try { Start-Sleep 600 } finally { $marks.Add("finally") } } else { [Threading.Thread]::Sleep(600000) } } -ArgumentList $args[1], $args[2] -Pool $args[0] -ChunkSize 1 -StopGrace 1'
            Assert-StopsOnCtrlC $task $pool, $marks, $started -WithinSeconds 30 -Ready { $started.Count -eq 2 }
            @($marks.ToArray()) | Should -Be 'finally'
            Wait-Until { @($workers | Where-Object { Test-ProcessAlive $_ }).Count -eq 1 } -Because 'the worker that ignored the stop to be killed'
            $pool.Busy | Should -Be 0
            1..4 | Invoke-MpPool { $_ } -Pool $pool | Should -Be 1, 2, 3, 4
        }
        finally { Stop-MpPool $pool }
    }

    It 'on Wait-MpPool: running tasks stop softly, one that ignores the stop is killed after -StopGrace, and the pool ends' {
        $marks = New-MpList
        $pool = New-MpPool -Size 2 -StopGrace 1
        $workers = $pool.WorkerIds
        $started = New-MpList
        $soft = Invoke-MpPool { try { ($using:started).Add('soft'); Start-Sleep 600 } finally { ($using:marks).Add('finally') } } -Pool $pool -Async
        $hard = Invoke-MpPool { ($using:started).Add('hard'); [Threading.Thread]::Sleep(600000) } -Pool $pool -Async
        $queued = Invoke-MpPool { 'never' } -Pool $pool -Async
        Assert-StopsOnCtrlC 'Wait-MpPool $args[0]' $pool -WithinSeconds 30 -Ready { $started.Count -eq 2 }
        @($marks.ToArray()) | Should -Be 'finally'
        $pool.State | Should -Be 'Stopped'
        foreach ($task in $soft, $hard, $queued) {
            $task.State | Should -Be 'Failed'
            { $task.GetResult(0) } | Should -Throw -ErrorId 'MpPoolClosed'
        }
        Wait-Until { -not ($workers | Where-Object { Test-ProcessAlive $_ }) } -Because 'the pool''s workers to end'
    }
}

Describe 'Robust-run parameters' {
    It 'refuses <Parameter> <Value> before anything starts' -ForEach @(
        @{ Parameter = 'TaskTimeout'; Value = 0 }
        @{ Parameter = 'TaskTimeout'; Value = -1 }
        @{ Parameter = 'StopGrace'; Value = -1 }
        @{ Parameter = 'RetryCount'; Value = -1 }
        @{ Parameter = 'RetryDelay'; Value = -1 }
        @{ Parameter = 'MaxFailures'; Value = 0 }
    ) {
        $ran = $script:Runs
        $ran.Clear()
        $splat = @{ $Parameter = $Value }
        { 1 | Invoke-MpPool { ($using:ran)['x'] = 1 } -Pool $script:Pool @splat } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { New-MpPool -Size 1 @splat } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        $ran.Count | Should -Be 0
    }
}
