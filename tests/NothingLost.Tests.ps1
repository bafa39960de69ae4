# SPEC §2 "nothing is lost": each symptom the 2026-12 review found, as a test of its own.
# The same guarantees at scale, under random kills, are in Stress.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # No warm standby: a replacement worker must be a fresh start, to be killed while it starts.
    $script:StandbyCount = [Multiproc.MpSettings]::StandbyCount
    [Multiproc.MpSettings]::StandbyCount = 0

    # Resident memory of a process, in MB.
    function Get-RssMB([int] $Id) {
        $line = Get-Content "/proc/$Id/status" -ErrorAction Ignore | Where-Object { $_ -like 'VmRSS:*' }
        [int](($line -split '\s+')[1]) / 1024
    }
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
    [Multiproc.MpSettings]::StandbyCount = $script:StandbyCount
}

Describe 'Pipes lose nothing' {
    It 'delivers a burst of 100,000 messages sent just before Close(), then MpPipeClosed' {
        $r, $w = New-MpPipe -Simplex
        $child = Start-MpProcess { param($w) foreach ($i in 1..100000) { $w.Send($i) }; $w.Close() } -ArgumentList $w
        $n = 0; $sum = 0
        $err = try { while ($true) { $sum += $r.Receive(60); $n++ } } catch { $_ }
        $err.FullyQualifiedErrorId | Should -Be 'MpPipeClosed'
        $n | Should -Be 100000
        $sum | Should -Be (100000 * 100001 / 2)
        Wait-MpProcess $child
    }

    It 'delivers a burst the parent sends with SendBytes before Close() to a child' {
        $r, $w = New-MpPipe -Simplex
        $q = New-MpQueue
        $child = Start-MpProcess { param($r, $q) $n = 0; $bytes = 0; try { while ($true) { $bytes += $r.ReceiveBytes(60).Length; $n++ } } catch { $q.Put("$n/$bytes/$($_.FullyQualifiedErrorId)") } } -ArgumentList $r, $q
        $payload = [byte[]]::new(100)
        foreach ($i in 1..20000) { $w.SendBytes($payload) }
        $w.Close()
        $q.Get(60) | Should -Be '20000/2000000/MpPipeClosed'
        Wait-MpProcess $child
    }

    It 'carries streams of messages of <Size> bytes whole, on both sides of the largest a ring carries' -ForEach @(
        @{ Size = 30000 }, @{ Size = 65531 }, @{ Size = 65532 }, @{ Size = 131000 }, @{ Size = 300000 }
    ) {
        $r, $w = New-MpPipe -Simplex
        $child = Start-MpProcess { param($w, $size) foreach ($n in 1..30) { $w.SendBytes([byte[]]::new($size)) }; $w.Close() } -ArgumentList $w, $Size
        $sizes = try { while ($true) { $r.ReceiveBytes(60).Length } } catch { $_.FullyQualifiedErrorId }
        $sizes[-1] | Should -Be 'MpPipeClosed'
        @($sizes | Where-Object { $_ -eq $Size }).Count | Should -Be 30
        $child | Wait-MpProcess
    }

    It 'keeps every message whose Send returned when the sender is killed right after: <Case>' -ForEach @(
        @{ Case = '20,000 ints'; Count = 20000; Size = 0 }
        @{ Case = 'three 5 MB messages, larger than the ring'; Count = 3; Size = 5MB }
    ) {
        $r, $w = New-MpPipe -Simplex
        $child = Start-MpProcess {
            param($w, $count, $size)
            foreach ($i in 1..$count) { if ($size) { $w.Send("$i|" + 'x' * $size) } else { $w.Send($i) } }
            [Diagnostics.Process]::GetCurrentProcess().Kill()
        } -ArgumentList $w, $Count, $Size
        $got = @(foreach ($i in 1..$Count) { $m = $r.Receive(60); if ($Size) { [int]($m -split '\|')[0]; $m.Length - "$i|".Length | Should -Be $Size } else { $m } })
        $got | Should -Be (1..$Count)
        $child | Wait-MpProcess
        $child.ExitCode | Should -Be 137
        $r.Poll(0) | Should -BeFalse
    }

    It 'keeps 200 KB messages of two senders on one end whole' {
        $r, $w = New-MpPipe -Simplex
        $senders = 1..2 | Start-MpProcess { param($w) $big = 'x' * 200000; foreach ($i in 1..30) { $w.Send("$PID|$i|$big") } } -ArgumentList $w
        $seen = @{}
        foreach ($k in 1..60) {
            $pid_, $i, $body = $r.Receive(60) -split '\|'
            $body.Length | Should -Be 200000
            $seen["$pid_/$i"] = 1
        }
        $seen.Count | Should -Be 60
        $r.Poll(0) | Should -BeFalse
        $senders | Wait-MpProcess
    }

    It 'gives each message to exactly one of two readers on one end, and the sender never blocks for good' {
        $r, $w = New-MpPipe -Simplex
        $q = New-MpQueue
        $readers = 1..2 | Start-MpProcess { param($r, $q) $got = [Collections.Generic.List[int]]::new(); try { while ($true) { $got.Add($r.Receive(60)) } } catch { $q.Put($got.ToArray()) } } -ArgumentList $r, $q
        foreach ($i in 1..10000) { $w.Send($i) }
        $w.Close()
        $all = @($q.Get(60)) + @($q.Get(60))
        $all.Count | Should -Be 10000
        ($all | Sort-Object -Unique).Count | Should -Be 10000
        $readers | Wait-MpProcess
    }
}

Describe 'Queues lose nothing' {
    It 'keeps every item whose Put returned when the producer is killed right after' {
        $q = New-MpQueue
        $child = Start-MpProcess { param($q) foreach ($i in 1..20000) { $q.Put($i) }; [Diagnostics.Process]::GetCurrentProcess().Kill() } -ArgumentList $q
        $child | Wait-MpProcess
        $child.ExitCode | Should -Be 137
        $n = 0; while ($q.TryGet([ref] $null)) { $n++ }
        $n | Should -Be 20000
    }

    It 'keeps a 20 MB item and the marker after it when the producer dies' {
        $q = New-MpQueue
        $child = Start-MpProcess { param($q) $q.Put('x' * 20MB); $q.Put('marker'); [Diagnostics.Process]::GetCurrentProcess().Kill() } -ArgumentList $q
        $q.Get(60).Length | Should -Be 20MB
        $q.Get(60) | Should -Be 'marker'
        $child | Wait-MpProcess
    }

    It 'blocks a producer whose queue owner is stopped, with its memory bounded' {
        $handles = New-MpQueue
        $owner = Start-MpProcess { param($handles) $q = New-MpQueue; $handles.Put($q); Start-Sleep 600 } -ArgumentList $handles
        $q = $handles.Get(60)
        $progress = New-MpDictionary
        $producer = Start-MpProcess { param($q, $progress) $mb = 'x' * 1MB; for ($i = 1; ; $i++) { $q.Put($mb); $progress['n'] = $i } } -ArgumentList $q, $progress
        Wait-Until { $progress['n'] -ge 5 } -Because 'the producer putting'
        kill -STOP $owner.Id
        try {
            # Stalled: no put returns once the owner's socket is full. With the defect, puts went on at
            # once and the producer's memory grew without bound, so the count never stood still.
            $deadline = [DateTime]::UtcNow.AddSeconds(60); $last = -1
            while ($progress['n'] -ne $last) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "The producer never blocked: $($progress['n']) puts of 1 MB returned." }
                $last = $progress['n']
                Start-Sleep -Milliseconds 500
            }
            $last | Should -BeLessThan 100
            Get-RssMB $producer.Id | Should -BeLessThan 600
        }
        finally { kill -CONT $owner.Id }
        Remove-MpProcess $producer, $owner -Force
    }

    It 'times out a Put with a timeout when the owner is stopped, having put nothing of that item' {
        $handles = New-MpQueue
        $go = New-MpQueue
        $owner = Start-MpProcess { param($handles) $q = New-MpQueue; $handles.Put($q); Start-Sleep 600 } -ArgumentList $handles
        $q = $handles.Get(60)
        # The outcome comes back on the parent's queues: the stopped owner's cannot carry it.
        $producer = Start-MpProcess {
            param($q, $handles, $go)
            $q.Put('first')   # connected to the owner before it stops
            $handles.Put('connected')
            $null = $go.Get(60)
            $item = 'x' * 256KB
            for ($i = 1; $i -le 1000; $i++) {
                $clock = [Diagnostics.Stopwatch]::StartNew()
                try { $q.Put("$i|$item", 1) }
                catch { $handles.Put(@{ Returned = $i - 1; Error = $_.FullyQualifiedErrorId; Seconds = $clock.Elapsed.TotalSeconds }); return }
            }
            $handles.Put(@{ Returned = 1000 })
        } -ArgumentList $q, $handles, $go
        $handles.Get(60) | Should -Be 'connected'
        kill -STOP $owner.Id
        try {
            $go.Put('go')
            $outcome = $handles.Get(120)
        }
        finally { kill -CONT $owner.Id }
        $producer | Wait-MpProcess -Timeout 60
        $outcome.Error | Should -Be 'MpTimeout' -Because "$($outcome.Returned) Puts of 256 KB returned with the owner stopped"
        $outcome.Seconds | Should -BeLessThan 5 -Because 'the Put waited about its timeout of 1 s'
        # Every Put that returned arrives, and the one that timed out does not.
        $q.Get(60) | Should -Be 'first'
        foreach ($i in 1..$outcome.Returned) { ($q.Get(60) -split '\|')[0] | Should -Be "$i" }
        $next = try { $q.Get(3) } catch { $_.FullyQualifiedErrorId }
        $next | Should -Be 'MpTimeout' -Because 'the timed-out item was not put'
        Remove-MpProcess $owner -Force
    }

    It 'keeps the Puts that returned while the owner was stopped when the producer is killed' {
        $handles = New-MpQueue
        $owner = Start-MpProcess { param($handles) $q = New-MpQueue; $handles.Put($q); Start-Sleep 600 } -ArgumentList $handles
        $q = $handles.Get(60)
        $progress = New-MpDictionary
        $producer = Start-MpProcess { param($q, $progress) for ($i = 1; ; $i++) { $q.Put("item $i"); $progress['n'] = $i } } -ArgumentList $q, $progress
        Wait-Until { $progress['n'] -ge 100 } -Because 'the producer putting'
        kill -STOP $owner.Id
        try {
            # Once the owner's socket is full the producer blocks; the Puts that returned are in its outbox.
            $deadline = [DateTime]::UtcNow.AddSeconds(60); $last = -1
            while ($progress['n'] -ne $last) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'The producer never blocked.' }
                $last = $progress['n']
                Start-Sleep -Milliseconds 500
            }
            Stop-Process -Id $producer.Id -Force
            $producer | Wait-MpProcess
        }
        finally { kill -CONT $owner.Id }
        # Many of them never reached the owner's socket: it takes them from the dead producer's outbox.
        Wait-Until { $q.Count -ge $last } -Because "the owner to have all $last returned Puts"
        $got = [Collections.Generic.List[string]]::new(); $item = $null
        while ($q.TryGet([ref] $item)) { $got.Add($item) }
        $got.Count | Should -BeGreaterOrEqual $last -Because "$last Puts had returned before the producer was killed"
        for ($i = 0; $i -lt $got.Count; $i++) { if ($got[$i] -ne "item $($i + 1)") { throw "Item $($i + 1) is '$($got[$i])': lost, doubled or out of order." } }
        Remove-MpProcess $owner -Force
    }

    It 'says the owner did not answer, not that it has ended, when it is stopped' {
        $handles = New-MpQueue
        $owner = Start-MpProcess { param($handles) $q = New-MpQueue; $handles.Put($q); Start-Sleep 600 } -ArgumentList $handles
        $q = $handles.Get(60)
        kill -STOP $owner.Id
        try {
            $err = Start-MpProcess { param($q) try { $q.Put(1); 'put' } catch { $_.FullyQualifiedErrorId; $_.Exception.Message } } -ArgumentList $q -Wait
        }
        finally { kill -CONT $owner.Id }
        $err[0] | Should -Be 'MpTimeout'
        $err[1] | Should -Match 'did not answer'
        Remove-MpProcess $owner -Force
    }
}

Describe 'The pool gives every input one answer' {
    BeforeAll { $script:Pool = New-MpPool -Size 2 }
    AfterAll { Stop-MpPool $script:Pool }

    It 'passes on a task''s $null output and every result after it' {
        # A $null output once failed its worker's pipeline: the items after it were lost.
        $errs = $null
        $got = 1..20 | Invoke-MpPool { $null; $_ } -Pool $script:Pool -ErrorVariable errs
        $errs | Should -BeNullOrEmpty
        $got.Count | Should -Be 40
        @($got | Where-Object { $null -ne $_ }) | Should -Be (1..20)
    }

    It 'passes on a child''s $null output and what follows' {
        $errs = $null
        $got = Start-MpProcess { $null; 'after' } -Wait -ErrorVariable errs
        $errs | Should -BeNullOrEmpty
        $got.Count | Should -Be 2
        $got[1] | Should -Be 'after'
    }

    It 'keeps the result of an item that finished before its neighbour killed the worker' -ForEach @(1..3) {
        $errs = $null
        $got = 1..10 | Invoke-MpPool { if ($_ -eq 2) { [Diagnostics.Process]::GetCurrentProcess().Kill() }; $_ * 10 } -Pool $script:Pool -ChunkSize 5 -ErrorVariable errs -ErrorAction SilentlyContinue
        $got | Should -Be 10, 30, 40, 50, 60, 70, 80, 90, 100
        $errs.Count | Should -Be 1
        $errs[0].TargetObject | Should -Be 2
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpWorkerLost*'
    }

    It 'never runs a finished task again when a worker dies' {
        $runs = New-MpDictionary
        $errs = $null
        $got = 1..40 | Invoke-MpPool { param($runs) $null = $runs.Increment($_, 1); if ($_ % 10 -eq 5) { [Diagnostics.Process]::GetCurrentProcess().Kill() }; $_ } -Pool $script:Pool -ArgumentList $runs -ChunkSize 8 -ErrorVariable errs -ErrorAction SilentlyContinue
        ($got.Count + $errs.Count) | Should -Be 40
        foreach ($i in $got) { $runs[$i] | Should -Be 1 -Because "input $i succeeded and must have run once" }
    }

    It 'answers every input when tasks run exit, in 12 runs on 2 workers' {
        foreach ($k in 1..12) {
            $x = ($k % 4) + 1
            $errs = $null
            $got = @(1..4 | Invoke-MpPool { param($x) if ($_ -eq $x) { exit 3 }; $_ } -Pool $script:Pool -ArgumentList $x -ErrorVariable errs -ErrorAction SilentlyContinue)
            ($got.Count + $errs.Count) | Should -Be 4 -Because "run $k must answer all four inputs"
            $errs.Count | Should -Be 1
            $errs[0].TargetObject | Should -Be $x
        }
    }

    It 'runs the rest of a chunk after a task leaves with a top-level continue' {
        1..6 | Invoke-MpPool { if ($_ -eq 3) { continue }; $_ } -Pool $script:Pool -ChunkSize 6 | Should -Be 1, 2, 4, 5, 6
    }

    It 'answers a task that leaves with return, and marks it done at once' {
        1..6 | Invoke-MpPool { if ($_ % 2) { return "odd $_" }; "even $_" } -Pool $script:Pool |
            Should -Be 'odd 1', 'even 2', 'odd 3', 'even 4', 'odd 5', 'even 6'
    }

    It 'keeps its size when replacements are killed while they start, and finishes the call' {
        # No standby: a pool takes a ready standby as its replacement, which would never be seen starting.
        $standbys = [Multiproc.MpSettings]::StandbyCount
        [Multiproc.MpSettings]::StandbyCount = 0
        $pool = New-MpPool -Size 2
        try {
            $known = [Collections.Generic.HashSet[int]]::new()
            foreach ($id in Get-ChildProcessId $PID) { $null = $known.Add($id) }
            foreach ($slot in 1..2) {
                Stop-Process -Id $pool.WorkerIds[0] -Force
                # The replacement is a new child of this process that is not a worker yet: kill it while it starts.
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not ($starting = Get-ChildProcessId $PID | Where-Object { -not $known.Contains($_) -and $_ -notin $pool.WorkerIds } | Select-Object -First 1)) {
                    if ([DateTime]::UtcNow -gt $deadline) { throw 'No replacement worker started.' }
                    Start-Sleep -Milliseconds 10
                }
                $null = $known.Add($starting)
                Stop-Process -Id $starting -Force
            }
            $got = 1..6000 | Invoke-MpPool { $_ } -Pool $pool
            $got.Count | Should -Be 6000
            Wait-Until { $pool.WorkerIds.Count -eq 2 -and @($pool.WorkerIds | Where-Object { Test-ProcessAlive $_ }).Count -eq 2 } -Because 'the pool to be back at its size'
        }
        finally {
            Stop-MpPool $pool
            [Multiproc.MpSettings]::StandbyCount = $standbys
        }
    }
}

Describe 'Acquire returns $true' {
    It 'returns $true from a lock''s and a semaphore''s Acquire(), as Python''s acquire()' {
        $lock = New-MpLock
        $lock.Acquire() | Should -BeTrue
        $lock.Release()
        $semaphore = New-MpSemaphore -Count 2
        $semaphore.Acquire() | Should -BeTrue
        $semaphore.Release()
    }
}

Describe 'Bad input on the wire is refused and disturbs nothing else' {
    BeforeAll {
        $session = [Multiproc.MpSettings].Assembly.GetType('Multiproc.Session')
        $current = $session.GetProperty('Current').GetValue($null)
        $script:Endpoint = $session.GetProperty('EndpointPath').GetValue($current)
        $script:Secret = $session.GetProperty('Secret').GetValue($current)

        # A connection to this session that has proven the secret, as any process of the user's could.
        function Connect-Proven {
            $socket = [Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
            $socket.Connect([Net.Sockets.UnixDomainSocketEndPoint]::new($script:Endpoint))
            $socket.ReceiveTimeout = 10000
            $nonce = [byte[]]::new(32); $got = 0
            while ($got -lt 32) { $got += $socket.Receive($nonce, $got, 32 - $got, 'None') }
            $null = $socket.Send([Security.Cryptography.HMACSHA256]::HashData([byte[]]$script:Secret, $nonce))
            $answer = [byte[]]::new(1)
            $null = $socket.Receive($answer)
            $answer[0] | Should -Be 0x5A -Because 'the handshake was proven'
            $socket
        }

        # A frame header: the length that follows (type + body) and the type.
        function Get-Header([uint32] $Length, [byte] $Type = 1) {
            [byte[]]@([BitConverter]::GetBytes($Length) + $Type)
        }

        # The bytes of a Hello frame that says "a client of shared objects".
        function Get-ClientHello {
            $wire = [Multiproc.MpSettings].Assembly
            $writer = [Activator]::CreateInstance($wire.GetType('Multiproc.Ipc.WireWriter'), [object[]]@(64))
            $helloType = $wire.GetType('Multiproc.Ipc.Hello')
            $role = [Enum]::Parse($wire.GetType('Multiproc.Ipc.HelloRole'), 'Client')
            $hello = [Activator]::CreateInstance($helloType, [object[]]@($role, '', $PID))
            $null = $helloType.GetMethod('Write').Invoke($hello, @($writer))
            $bytes = $writer.GetType().GetMethod('ToArray').Invoke($writer, @())
            [byte[]]((Get-Header ($bytes.Length + 1)) + $bytes)
        }

        # True once the other side closed the connection (a read returns nothing).
        function Test-ClosedByPeer($Socket) {
            $buffer = [byte[]]::new(16)
            try { $Socket.Receive($buffer) -eq 0 } catch { $true }
        }
    }

    It 'closes a connection whose first frame is <Case>, and the session goes on' -ForEach @(
        @{ Case = 'of length 0'; Bytes = { Get-Header 0 } }
        @{ Case = 'of length 2^31-1'; Bytes = { [byte[]]((Get-Header 0x7FFFFFFF) + [byte[]]::new(100)) } }
        @{ Case = 'cut short'; Bytes = { [byte[]]((Get-Header 1000) + [byte[]]::new(10)) } }
    ) {
        $socket = Connect-Proven
        $null = $socket.Send((& $Bytes))
        if ($Case -eq 'cut short') { $socket.Shutdown('Send') }
        Test-ClosedByPeer $socket | Should -BeTrue
        $socket.Dispose()
        $q = New-MpQueue
        Start-MpProcess { param($q) $q.Put('still here') } -ArgumentList $q -Wait
        $q.Get(30) | Should -Be 'still here'
    }

    It 'closes a client connection that sends <Case> after its handshake and hello' -ForEach @(
        @{ Case = 'a frame of no known type'; Type = 200; Length = 64 }
        @{ Case = 'a call too short to name its object'; Type = 7; Length = 3 }
    ) {
        $socket = Connect-Proven
        $null = $socket.Send((Get-ClientHello))
        # A well-formed call first (request 1, the owner's sync op, object 0): answered, so the hello was taken.
        $null = $socket.Send([byte[]]((Get-Header 14 7) + [BitConverter]::GetBytes([int]1) + [byte]1 + [BitConverter]::GetBytes([long]0)))
        $reply = [byte[]]::new(10); $got = 0   # header, request id, ok
        while ($got -lt 10) { $got += $socket.Receive($reply, $got, 10 - $got, 'None') }
        $reply[4] | Should -Be 8 -Because 'a Reply frame answers the call'
        $garbage = [byte[]]::new($Length); [Random]::new(7).NextBytes($garbage)
        $null = $socket.Send([byte[]]((Get-Header ($Length + 1) $Type) + $garbage))
        Test-ClosedByPeer $socket | Should -BeTrue
        $socket.Dispose()
        $d = New-MpDictionary
        Start-MpProcess { param($d) $d['k'] = 'v' } -ArgumentList $d -Wait
        $d['k'] | Should -Be 'v'
    }

    It 'fails Receive with MpSerialization on <Case> in a pipe, and other pipes go on' -ForEach @(
        @{ Case = 'a frame of length 0'; Frame = [byte[]](0, 0, 0, 0, 11) }
        @{ Case = 'a frame of 2^31-1 bytes'; Frame = [byte[]](255, 255, 255, 127, 11) }
        @{ Case = 'a frame cut short'; Frame = [byte[]](100, 0, 0, 0, 11, 1, 2) }
        @{ Case = 'a spilled message whose file is gone'; Frame = [byte[]](@(20, 0, 0, 0, 19, 11, 14, 0, 0, 0) + [Text.Encoding]::UTF8.GetBytes('/nonexistent/x') ) }
    ) {
        $r, $w = New-MpPipe -Simplex
        $r2, $w2 = New-MpPipe -Simplex
        # The second end sends on the ring that leaves it: its cell is the file's second (its tail, word 4,
        # at 256 + 16), its ring the second (at 512 + 256 KB). Write there as a stranger would.
        $path = $w.GetType().GetField('_path', [Reflection.BindingFlags]'Instance,NonPublic').GetValue($w)
        $file = [IO.File]::Open($path, 'Open', 'ReadWrite', 'ReadWrite')
        try {
            $file.Position = 512 + 256KB; $file.Write($Frame, 0, $Frame.Length)
            $file.Position = 256 + 16; $file.Write([BitConverter]::GetBytes([int]$Frame.Length), 0, 4)
        }
        finally { $file.Dispose() }
        { $r.Receive(5) } | Should -Throw -ErrorId 'MpSerialization'
        $w2.Send('fine')
        $r2.Receive(5) | Should -Be 'fine'
    }
}
