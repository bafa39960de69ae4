BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Remove-AllMpProcess
}

Describe 'New-MpPipe' {
    It 'returns two connected duplex ends' {
        $a, $b = New-MpPipe
        $a | Should -BeOfType [Multiproc.MpPipeEnd]
        $a.CanSend -and $a.CanReceive -and $b.CanSend -and $b.CanReceive | Should -BeTrue
        $a.Send('to b'); $b.Send('to a')
        $b.Receive() | Should -Be 'to b'
        $a.Receive() | Should -Be 'to a'
    }

    It 'makes a one-way pipe with -Simplex: the first end receives, the second sends' {
        $reader, $writer = New-MpPipe -Simplex
        $writer.Send(1)
        $reader.Receive() | Should -Be 1
        { $reader.Send(2) } | Should -Throw -ErrorId MpPipeDirection
        { $writer.Receive() } | Should -Throw -ExceptionType ([Multiproc.MpPipeDirectionException])
        { $writer.Poll() } | Should -Throw -ErrorId MpPipeDirection
    }
}

Describe 'Pipes between processes' {
    It 'runs Python''s example: the child sends 1 and 2, the parent sends back 3' {
        $a, $b = New-MpPipe
        $p = Start-MpProcess { param($end) $end.Send(1); $end.Send(2); "child got $($end.Receive())" } -ArgumentList $b
        $a.Receive(60) | Should -Be 1
        $a.Receive(60) | Should -Be 2
        $a.Send(3)
        $p | Wait-MpProcess -PassThru | Receive-MpProcess | Should -Be 'child got 3'
    }

    It 'delivers messages whole and in order in both directions' {
        $a, $b = New-MpPipe
        $p = Start-MpProcess {
            param($end)
            while ($true) {
                try { $m = $end.Receive() } catch [Multiproc.MpPipeClosedException] { break }
                $end.Send(@{ Echo = $m; Type = $m.GetType().Name })
            }
        } -ArgumentList $b
        $sent = 1..300 | ForEach-Object { switch ($_ % 3) { 0 { $_ } 1 { "text $_" + ('x' * $_) } 2 { [datetime]::new(2020, 1, 1).AddDays($_) } } }
        $sent | Send-MpPipe $a
        $replies = Receive-MpPipe $a -Count 300 -Timeout 60
        $a.Close()
        $replies.Count | Should -Be 300
        for ($i = 0; $i -lt 300; $i++) {
            $replies[$i].Echo | Should -Be $sent[$i]
            $replies[$i].Type | Should -Be $sent[$i].GetType().Name
        }
        $p.Wait(60) | Should -BeTrue
    }

    It 'tells the truth with Poll' {
        $a, $b = New-MpPipe
        $a.Poll() | Should -BeFalse
        $p = Start-MpProcess { param($end) $end.Send('ready') } -ArgumentList $b
        $a.Poll(60) | Should -BeTrue
        $a.Receive() | Should -Be 'ready'
        $a.Poll(0.05) | Should -BeFalse
        $p | Wait-MpProcess
    }

    It 'fails Receive with MpPipeClosed once the other end is closed and drained; -All ends there' {
        $a, $b = New-MpPipe
        Start-MpProcess { param($end) 1..3 | Send-MpPipe $end; $end.Close() } -ArgumentList $b | Wait-MpProcess
        Receive-MpPipe $a -Count 2 | Should -Be 1, 2
        $a.Receive() | Should -Be 3
        { $a.Receive() } | Should -Throw -ErrorId MpPipeClosed
        $b.IsClosed | Should -BeTrue
        $a.IsClosed | Should -BeFalse
        { $a.Send('nobody listens') } | Should -Throw -ErrorId MpPipeClosed
        { $b.Send('closed end') } | Should -Throw -ErrorId MpPipeClosed

        $c, $d = New-MpPipe
        Start-MpProcess { param($end) 'x', 'y' | Send-MpPipe $end; $end.Close() } -ArgumentList $d | Wait-MpProcess
        Receive-MpPipe $c -All | Should -Be 'x', 'y'
    }

    It 'carries a 10 MB byte array intact, both ways' {
        $a, $b = New-MpPipe
        $big = [byte[]]::new(10MB)
        [Random]::new(7).NextBytes($big)
        $p = Start-MpProcess { param($end) $bytes = $end.ReceiveBytes(); [Array]::Reverse($bytes); $end.SendBytes($bytes) } -ArgumentList $b
        $a.SendBytes($big)
        $back = $a.ReceiveBytes(120)
        $back.Length | Should -Be $big.Length
        [Array]::Reverse($back)
        [Linq.Enumerable]::SequenceEqual($back, $big) | Should -BeTrue
        $p | Wait-MpProcess
    }

    It 'gives both ends to two different children' {
        $a, $b = New-MpPipe
        $sender = Start-MpProcess { param($end) 1..100 | Send-MpPipe $end; $end.Close() } -ArgumentList $a
        $receiver = Start-MpProcess { param($end) (Receive-MpPipe $end -All | Measure-Object -Sum).Sum } -ArgumentList $b
        $receiver | Wait-MpProcess -PassThru -Timeout 120 | Receive-MpProcess | Should -Be 5050
        $sender.ExitCode | Should -Be 0
    }

    It 'reaches a child through $using:, pipeline input and a queue message' {
        $a, $b = New-MpPipe
        Start-MpProcess { ($using:b).Send('using') } | Wait-MpProcess
        $b | Start-MpProcess { $_.Send('pipeline') } | Wait-MpProcess
        $q = New-MpQueue
        $q.Put(@{ End = $b })
        Start-MpProcess { param($q) $q.Get().End.Send('queued') } -ArgumentList $q | Wait-MpProcess
        Receive-MpPipe $a -Count 3 -Timeout 30 | Should -Be 'using', 'pipeline', 'queued'
    }

    It 'closes an end for every process when one of them calls Close()' {
        $a, $b = New-MpPipe
        Start-MpProcess { param($end) $end.Close() } -ArgumentList $a | Wait-MpProcess
        $a.IsClosed | Should -BeTrue
        { $b.Receive(5) } | Should -Throw -ErrorId MpPipeClosed
    }

    It 'fails with MpObjectGone, not a hang, once the process that made the pipe has ended' {
        $p = Start-MpProcess { (New-MpPipe)[0] }
        $end = $p | Wait-MpProcess -PassThru | Receive-MpProcess
        $end | Should -BeOfType [Multiproc.MpPipeEnd]
        Wait-Until { -not (Test-ProcessAlive $p.Id) } -Because 'the child to exit'
        { $end.Send(1) } | Should -Throw -ErrorId MpObjectGone
    }
}

Describe 'Send-MpPipe and Receive-MpPipe' {
    It 'sends the pipeline and receives one, -Count or -All' {
        $a, $b = New-MpPipe
        1..5 | Send-MpPipe $a
        Receive-MpPipe $b | Should -Be 1
        Receive-MpPipe $b -Count 3 | Should -Be 2, 3, 4
        Send-MpPipe $a -InputObject 'last'
        $a.Close()
        Receive-MpPipe $b -All | Should -Be 5, 'last'
    }

    It 'bounds the wait with -Timeout (MpTimeout)' {
        $a, $b = New-MpPipe
        { Receive-MpPipe $b -Timeout 0.1 } | Should -Throw -ErrorId 'MpTimeout,Multiproc.Commands.ReceiveMpPipeCommand'
    }

    It 'writes MpSerialization for an item that cannot cross and sends the rest' {
        $a, $b = New-MpPipe
        [Multiproc.MpSettings]::MaxMessageBytes = 1024
        try {
            'small', ('x' * 5000), 'after' | Send-MpPipe $a -ErrorVariable failures -ErrorAction SilentlyContinue
        }
        finally { [Multiproc.MpSettings]::MaxMessageBytes = 1GB }
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'MpSerialization,Multiproc.Commands.SendMpPipeCommand'
        Receive-MpPipe $b -Count 2 | Should -Be 'small', 'after'
    }
}
