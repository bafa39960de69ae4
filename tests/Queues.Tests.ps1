BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # How many Gets wait at a queue this process owns: a test waits for a consumer to be there, not a while.
    function Get-WaitingGetCount([Multiproc.MpQueue] $Queue) {
        $flags = [Reflection.BindingFlags]'NonPublic, Instance'
        $core = [Multiproc.MpQueue].GetField('_local', $flags).GetValue($Queue)
        $core.GetType().GetField('_getters', $flags).GetValue($core).Count
    }
}

AfterAll {
    Remove-AllMpProcess
}

Describe 'New-MpQueue and the MpQueue methods' {
    It 'keeps items in order, counts them and reports completion' {
        $q = New-MpQueue
        $q.IsEmpty | Should -BeTrue
        $q.Put(1); $q.Put('two'); $q.Put($null); $q.Put(@{ k = 'v' })
        $q.Count | Should -Be 4
        $q.Get() | Should -Be 1
        $q.Get() | Should -Be 'two'
        $q.Get() | Should -BeNullOrEmpty
        $q.Get().k | Should -Be 'v'
        $q.IsCompleted | Should -BeFalse
        $q.Complete()
        $q.IsCompleted | Should -BeTrue
    }

    It 'fails Get(0) on an empty queue with MpTimeout, and TryGet says false' {
        $q = New-MpQueue
        { $q.Get(0) } | Should -Throw -ErrorId MpTimeout
        { $q.Get(0.1) } | Should -Throw -ExceptionType ([Multiproc.MpTimeoutException])
        $item = 'untouched'
        $q.TryGet([ref] $item) | Should -BeFalse
        $q.Put(5)
        $q.TryGet([ref] $item) | Should -BeTrue
        $item | Should -Be 5
    }

    It 'drains with TryGet from a child, each item once, and says false on an empty or completed queue' {
        $q = New-MpQueue
        1..500 | Send-MpQueue $q
        $got = Start-MpProcess {
            param($q)
            $item = $null
            $items = [Collections.Generic.List[object]]::new()
            while ($q.TryGet([ref] $item)) { $items.Add($item) }
            , $items.ToArray()
            $q.TryGet([ref] $item)
            $q.Complete()
            $q.TryGet([ref] $item)
        } -ArgumentList $q -Wait
        $got[0] | Should -Be (1..500)
        $got[1], $got[2] | Should -Be $false, $false
        $q.Count | Should -Be 0 -Because 'what the child took was confirmed, not lent back'
        $q.IsCompleted | Should -BeTrue
    }

    It 'fails Put after Complete() with MpQueueCompleted, here and in a child' {
        $q = New-MpQueue
        $q.Put(1)
        $q.Complete()
        { $q.Put(2) } | Should -Throw -ErrorId MpQueueCompleted
        $p = Start-MpProcess { param($q) try { $q.Put(3); 'put' } catch { $_.FullyQualifiedErrorId } } -ArgumentList $q
        $p | Wait-MpProcess -PassThru | Receive-MpProcess | Should -Be 'MpQueueCompleted'
        $q.Get() | Should -Be 1
        { $q.Get() } | Should -Throw -ErrorId MpQueueCompleted
    }

    It 'rejects a bad timeout with MpInvalidArgument and a bad size before anything starts' {
        $q = New-MpQueue
        { $q.Get(-1) } | Should -Throw -ErrorId MpInvalidArgument
        { New-MpQueue -MaxSize 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Multiproc.Commands.NewMpQueueCommand'
    }

    It 'fails at the sender with MpSerialization for a value that cannot cross, and sends nothing' {
        $q = New-MpQueue
        [Multiproc.MpSettings]::MaxMessageBytes = 1024
        try { { $q.Put('x' * 5000) } | Should -Throw -ErrorId MpSerialization }
        finally { [Multiproc.MpSettings]::MaxMessageBytes = 1GB }
        $q.Count | Should -Be 0
    }
}

Describe 'Queues between processes' {
    It 'gets in the parent what a child put (Python''s example)' {
        $q = New-MpQueue
        $p = Start-MpProcess { param($q) $q.Put(11111) } -ArgumentList $q
        $q.Get(60) | Should -Be 11111
        $p | Wait-MpProcess
    }

    It 'has every item a child put there by the time the child has ended' {
        $q = New-MpQueue
        Start-MpProcess { param($q) 1..500 | Send-MpQueue $q } -ArgumentList $q | Wait-MpProcess
        $q.Count | Should -Be 500
    }

    It 'reaches children through -ArgumentList, $using: and pipeline input' {
        $q = New-MpQueue
        $a = Start-MpProcess { param($q) $q.Put('argument') } -ArgumentList $q
        $b = Start-MpProcess { ($using:q).Put('using') }
        $c = $q | Start-MpProcess { $_.Put('pipeline') }
        $a, $b, $c | Wait-MpProcess
        (Receive-MpQueue $q -Count 3 -Timeout 30 | Sort-Object) | Should -Be 'argument', 'pipeline', 'using'
    }

    It 'carries a queue inside a queue message, as a live handle' {
        $requests = New-MpQueue
        $reply = New-MpQueue
        $p = Start-MpProcess { param($requests) $r = $requests.Get(); $r.ReplyTo.Put($r.Value * 2) } -ArgumentList $requests
        $requests.Put([pscustomobject]@{ Value = 21; ReplyTo = $reply })
        $reply.Get(60) | Should -Be 42
        $p | Wait-MpProcess
    }

    It 'moves 20,000 items from two producers to two consumers, each exactly once and in producer order' {
        $q = New-MpQueue
        $consumers = 1..2 | ForEach-Object { Start-MpProcess { param($q) Receive-MpQueue $q -All } -ArgumentList $q }
        $producers = 'a', 'b' | ForEach-Object {
            Start-MpProcess { param($q, $tag) for ($i = 0; $i -lt 10000; $i++) { $q.Put("$tag $i") } } -ArgumentList $q, $_
        }
        $producers | Wait-MpProcess
        $producers.ExitCode | Should -Be 0, 0
        $q.Complete()
        $consumers | Wait-MpProcess -Timeout 120
        $got = foreach ($consumer in $consumers) { , @(Receive-MpProcess $consumer) }
        $all = $got[0] + $got[1]
        $all.Count | Should -Be 20000
        ($all | Sort-Object -Unique).Count | Should -Be 20000
        foreach ($list in $got) {
            foreach ($tag in 'a', 'b') {
                $numbers = [int[]]@($list | Where-Object { $_.StartsWith("$tag ") } | ForEach-Object { $_.Split(' ')[1] })
                for ($i = 1; $i -lt $numbers.Count; $i++) { $numbers[$i] | Should -BeGreaterThan $numbers[$i - 1] }
            }
        }
    }

    It 'blocks a producer on a full bounded queue until a consumer takes an item' {
        $q = New-MpQueue -MaxSize 1
        $q.Put('first')
        { $q.Put('no room', 0.1) } | Should -Throw -ErrorId MpTimeout
        $p = Start-MpProcess { param($q) $q.Put('second'); 'put returned' } -ArgumentList $q
        $p.Wait(1) | Should -BeFalse -Because 'the queue is full, so the child''s Put waits'
        $q.Count | Should -Be 1
        $q.Get() | Should -Be 'first'
        $p.Wait(60) | Should -BeTrue
        Receive-MpProcess $p | Should -Be 'put returned'
        $q.Get() | Should -Be 'second'
    }

    It 'gives a child MpTimeout from Get(0) on an empty queue' {
        $q = New-MpQueue
        Start-MpProcess { param($q) try { $q.Get(0) } catch [Multiproc.MpTimeoutException] { $_.FullyQualifiedErrorId } } -ArgumentList $q -Wait |
            Should -Be 'MpTimeout'
    }

    It 'puts an item back when the consumer it was handed to dies before its Get returned' {
        $q = New-MpQueue
        $ready = New-MpQueue
        $p = Start-MpProcess { param($q, $ready) $ready.Put($PID); $q.Get() } -ArgumentList $q, $ready
        $ready.Get(60) | Should -Be $p.Id
        Wait-Until { (Get-WaitingGetCount $q) -eq 1 } -Because 'its Get to wait at the queue'
        & kill -STOP $p.Id
        try {
            $q.Put('precious')
            Wait-Until { $q.Count -eq 0 } -TimeoutSeconds 10 -Because 'the item to be handed to the waiting consumer'
        }
        finally { Stop-MpProcess $p -Force }
        $q.Get(30) | Should -Be 'precious'
    }

    It 'loses nothing when a waiting consumer is killed: every item is got by someone' {
        $q = New-MpQueue
        $ready = New-MpQueue
        $victim = Start-MpProcess { param($q, $ready) $ready.Put(1); Receive-MpQueue $q -All } -ArgumentList $q, $ready
        $ready.Get(60) | Should -Be 1
        Wait-Until { (Get-WaitingGetCount $q) -eq 1 } -Because 'the victim to wait at the queue'
        Stop-MpProcess $victim -Force
        $survivor = Start-MpProcess { param($q) Receive-MpQueue $q -All } -ArgumentList $q
        1..1000 | Send-MpQueue $q -Complete
        $survivor | Wait-MpProcess -Timeout 120
        (Receive-MpProcess $survivor | Measure-Object -Sum).Sum | Should -Be 500500
    }

    It 'fails with MpObjectGone, not a hang, once the process that owned the queue has ended' {
        $p = Start-MpProcess { New-MpQueue }
        $q = $p | Wait-MpProcess -PassThru | Receive-MpProcess
        $q | Should -BeOfType [Multiproc.MpQueue]
        Wait-Until { -not (Test-ProcessAlive $p.Id) } -Because 'the child to exit'
        { $q.Put(1) } | Should -Throw -ErrorId MpObjectGone
        { $q.Get(1) } | Should -Throw -ExceptionType ([Multiproc.MpObjectGoneException])
    }
}

Describe 'Send-MpQueue and Receive-MpQueue' {
    It 'sends the pipeline and completes the queue with -Complete; -All streams to the end' {
        $q = New-MpQueue
        1..100 | Send-MpQueue $q -Complete
        $q.IsCompleted | Should -BeTrue
        $all = Receive-MpQueue $q -All
        $all.Count | Should -Be 100
        $all[0], $all[99] | Should -Be 1, 100
    }

    It 'receives one item by default and -Count items' {
        $q = New-MpQueue
        Send-MpQueue $q -InputObject 'single'
        'a', 'b', 'c' | Send-MpQueue $q
        Receive-MpQueue $q | Should -Be 'single'
        Receive-MpQueue $q -Count 3 | Should -Be 'a', 'b', 'c'
    }

    It 'keeps an array item whole' {
        $q = New-MpQueue
        Send-MpQueue $q -InputObject @(1, 2, 3)
        $item = Receive-MpQueue $q
        , $item | Should -BeOfType [object[]]
        $item.Count | Should -Be 3
    }

    It 'bounds each wait with -Timeout (MpTimeout) after what it got' {
        $q = New-MpQueue
        $q.Put('only')
        { Receive-MpQueue $q -Count 2 -Timeout 0.2 } | Should -Throw -ErrorId 'MpTimeout,Multiproc.Commands.ReceiveMpQueueCommand'
        $q.Count | Should -Be 0
    }

    It 'streams -All from a child until the parent completes the queue' {
        $q = New-MpQueue
        $p = Start-MpProcess { param($q) Receive-MpQueue $q -All | ForEach-Object { $_ * 2 } } -ArgumentList $q
        1..10 | Send-MpQueue $q -Complete
        $p | Wait-MpProcess -PassThru | Receive-MpProcess | Should -Be (2, 4, 6, 8, 10, 12, 14, 16, 18, 20)
    }

    It 'times out Send-MpQueue on a full queue with a non-terminating MpTimeout' {
        $q = New-MpQueue -MaxSize 1
        1, 2 | Send-MpQueue $q -Timeout 0.1 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'MpTimeout,Multiproc.Commands.SendMpQueueCommand'
        $q.Get() | Should -Be 1
    }
}
