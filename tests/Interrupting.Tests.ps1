# Ctrl+C on every blocking cmdlet: it ends promptly, and what it waited on is as it was (issue 11).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Remove-AllMpProcess
}

Describe 'Ctrl+C ends a blocking cmdlet promptly' {
    It 'Receive-MpQueue on an empty queue, which then works as before' {
        $q = New-MpQueue
        Assert-StopsOnCtrlC 'Receive-MpQueue $args[0]' $q
        $q.Put('after')
        $q.Get(5) | Should -Be 'after'
        $q.Count | Should -Be 0
    }

    It 'Send-MpQueue on a full queue, which keeps its item and takes no other' {
        $q = New-MpQueue -MaxSize 1
        $q.Put('first')
        Assert-StopsOnCtrlC "'second' | Send-MpQueue `$args[0]" $q
        $q.Count | Should -Be 1
        $q.Get(5) | Should -Be 'first'
        $q.Put('third', 5)
        $q.Get(5) | Should -Be 'third'
    }

    It 'Receive-MpPipe on a pipe nothing was sent to, which then works as before' {
        $a, $b = New-MpPipe
        Assert-StopsOnCtrlC 'Receive-MpPipe $args[0]' $b
        $a.Send('after')
        $b.Receive(5) | Should -Be 'after'
    }

    It 'Use-MpLock on a lock another process holds, which stays its holder''s and is free once let go' {
        $lock = New-MpLock
        $holding = New-MpQueue
        $release = New-MpEvent
        $holder = Start-MpProcess { param($lock, $holding, $release) $lock.Acquire(); $holding.Put(1); $release.Wait(60); $lock.Release() } -ArgumentList $lock, $holding, $release
        $holding.Get(60) | Should -Be 1
        Assert-StopsOnCtrlC 'Use-MpLock $args[0] { ''ran'' }' $lock
        $lock.Acquire(0) | Should -BeFalse -Because 'the holder still has it'
        $release.Set()
        $holder | Wait-MpProcess -Timeout 60
        $lock.Acquire(5) | Should -BeTrue
        $lock.Release()
    }

    Context 'on a pool whose task runs' {
        BeforeAll {
            $script:Pool = New-MpPool -Size 1
            $script:Task = Invoke-MpPool { Start-Sleep 60; 'late' } -Pool $script:Pool -Async
        }
        AfterAll { Stop-MpPool $script:Pool }

        It 'Wait-MpTask, and the task goes on' {
            Assert-StopsOnCtrlC 'Wait-MpTask $args[0]' $script:Task
            $script:Task.IsCompleted | Should -BeFalse
        }

        It 'Receive-MpTask, and the task goes on' {
            Assert-StopsOnCtrlC 'Receive-MpTask $args[0]' $script:Task
            $script:Task.IsCompleted | Should -BeFalse
        }

        It 'Wait-MpPool, which stops the pool: its running task first, softly (SPEC §10)' {
            $workers = $script:Pool.WorkerIds
            Assert-StopsOnCtrlC 'Wait-MpPool $args[0]' $script:Pool
            $script:Task.State | Should -Be 'Failed'
            { $script:Task.GetResult(0) } | Should -Throw -ErrorId 'MpPoolClosed'
            $script:Pool.State | Should -Be 'Stopped'
            Wait-Until { -not ($workers | Where-Object { Test-ProcessAlive $_ }) } -Because 'the pool''s workers to end'
        }
    }
}
