BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Remove-AllMpProcess
}

Describe 'New-MpDictionary' {
    It 'behaves like a hashtable: indexers, dot access, Keys, Values, Count, ContainsKey, Remove, Clear' {
        $d = New-MpDictionary @{ a = 1; b = 'two' }
        $d['a'] | Should -Be 1
        $d.B | Should -Be 'two' -Because 'keys compare as in a hashtable, without regard to case'
        $d['c'] = @(1, 2)
        $d.e = 'dot'
        $d['e'] | Should -Be 'dot'
        $d['missing'] | Should -BeNullOrEmpty
        $d.Count | Should -Be 4
        $d.Keys | Sort-Object | Should -Be 'a', 'b', 'c', 'e'
        $d.ContainsKey('C') | Should -BeTrue
        $d.Remove('c')
        $d.ContainsKey('c') | Should -BeFalse
        ($d.Values | Sort-Object { "$_" }) | Should -Be 1, 'dot', 'two'
        $d.Clear()
        $d.Count | Should -Be 0
    }

    It 'enumerates a snapshot, formats as a hashtable and copies out with ToHashtable' {
        $d = New-MpDictionary ([ordered]@{ x = 1; y = 2 })
        $entries = @($d.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" })
        $entries | Should -Be 'x=1', 'y=2'
        ($d | Out-String) | Should -Match '(?m)^x\s+1\s*$'
        $copy = $d.ToHashtable()
        $copy | Should -BeOfType [hashtable]
        $d['x'] = 10
        $copy['x'] | Should -Be 1
        $copy['Y'] | Should -Be 2
    }

    It 'keeps keys in the order they were first added, across removals and updates' {
        $d = New-MpDictionary ([ordered]@{ a = 1; b = 2; c = 3 })
        $d.Remove('b')
        $d['d'] = 4           # would take b's slot in a plain Dictionary
        $d['a'] = 10          # an update keeps its place
        $null = $d.GetOrAdd('e', 5)
        $null = $d.Increment('f')
        @($d.Keys) | Should -Be 'a', 'c', 'd', 'e', 'f'
        @($d.Values) | Should -Be 10, 3, 4, 5, 1
    }

    It 'stores an object whose ScriptProperty reads another shared dictionary, here and from a child' {
        $other = New-MpDictionary @{ x = 42 }
        $d = New-MpDictionary
        $o = [pscustomobject]@{ A = 1 }
        $o | Add-Member -MemberType ScriptProperty -Name Peek -Value { $other['x'] }
        $d['here'] = $o   # serializing $o reads $other in the middle of this very call
        $p = Start-MpProcess {
            param($d, $other)
            $o = [pscustomobject]@{ A = 2 }
            $o | Add-Member -MemberType ScriptProperty -Name Peek -Value { $other['x'] }
            $d['child'] = $o
        } -ArgumentList $d, $other
        $p | Wait-MpProcess -Timeout 60
        $p.State | Should -Be 'Completed' -Because 'the child''s call must not hang'
        @($d.Keys) | Should -Be 'here', 'child'
        $d['here'].A, $d['here'].Peek | Should -Be 1, 42
        $d['child'].A, $d['child'].Peek | Should -Be 2, 42
        @($other.Keys) | Should -Be 'x'
    }

    It 'does Increment, GetOrAdd and TryUpdate atomically' {
        $d = New-MpDictionary
        $d.Increment('n') | Should -Be 1 -Because 'a missing key counts as 0'
        $d.Increment('n', 5) | Should -Be 6
        $d.Increment('x', 0.5) | Should -Be 0.5
        $d.GetOrAdd('g', 'first') | Should -Be 'first'
        $d.GetOrAdd('g', 'second') | Should -Be 'first'
        $d.TryUpdate('n', 7, 5) | Should -BeFalse
        $d['n'] | Should -Be 6
        $d.TryUpdate('n', 7, 6) | Should -BeTrue
        $d['n'] | Should -Be 7
        $d['s'] = 'text'
        { $d.Increment('s', 1) } | Should -Throw -ErrorId MpInvalidArgument
        $d['s'] | Should -Be 'text'
    }

    It 'rejects what it cannot use with a clear error and changes nothing' {
        $d = New-MpDictionary @{ k = 1 }
        { $d.Add('k', 2) } | Should -Throw -ErrorId MpInvalidArgument
        { $d.Add($null, 2) } | Should -Throw -ErrorId MpInvalidArgument
        [Multiproc.MpSettings]::MaxMessageBytes = 1024
        try { { $d['big'] = 'x' * 5000 } | Should -Throw -ErrorId MpSerialization }
        finally { [Multiproc.MpSettings]::MaxMessageBytes = 1GB }
        $d.Count | Should -Be 1
        $d['k'] | Should -Be 1
    }

    It 'counts to exactly 8,000 when four processes each Increment one key 2,000 times' {
        $d = New-MpDictionary
        $workers = 1..4 | ForEach-Object {
            Start-MpProcess { param($d) for ($i = 0; $i -lt 2000; $i++) { $null = $d.Increment('hits') } } -ArgumentList $d
        }
        $workers | Wait-MpProcess -Timeout 300
        $workers.ExitCode | Should -Be 0, 0, 0, 0
        $d['hits'] | Should -Be 8000
    }

    It 'counts to exactly 8,000 with Use-MpLock around a read-modify-write of a plain key' {
        $d = New-MpDictionary @{ hits = 0 }
        $lock = New-MpLock
        $workers = 1..4 | ForEach-Object {
            Start-MpProcess {
                param($d, $lock)
                for ($i = 0; $i -lt 2000; $i++) { Use-MpLock $lock { $d['hits'] = $d['hits'] + 1 } }
            } -ArgumentList $d, $lock
        }
        $workers | Wait-MpProcess -Timeout 300
        $workers.ExitCode | Should -Be 0, 0, 0, 0
        $d['hits'] | Should -Be 8000
    }

    It 'is still readable after the child that made and wrote it has exited' {
        $p = Start-MpProcess { $d = New-MpDictionary; $d['made by'] = $PID; $d }
        $d = Receive-MpProcess $p -Wait
        Wait-Until { -not (Test-ProcessAlive $p.Id) } -Because 'the child to exit'
        $d | Should -BeOfType [Multiproc.MpDictionary]
        $d['made by'] | Should -Be $p.Id
    }

    It 'reaches children through $using: and pipeline input, and holds shared objects as live handles' {
        $d = New-MpDictionary
        $d['queue'] = New-MpQueue
        Start-MpProcess { ($using:d)['queue'].Put("from $PID"); ($using:d)['child'] = $PID } -Wait
        $d['queue'].Get(10) | Should -Match '^from \d+$'
        $d['child'] | Should -BeGreaterThan 0
        $d | Start-MpProcess { $_.Count } -Wait | Should -Be 2
    }
}

Describe 'New-MpList' {
    It 'behaves like an array: indexers, Add, Insert, Remove, RemoveAt, Contains, IndexOf, Clear' {
        $l = New-MpList 'a', 'b', 'c'
        $l.Count | Should -Be 3
        $l[0] | Should -Be 'a'
        $l[-1] | Should -Be 'c'
        $l[1] = 'B'
        $l.Add('d')
        $l.Insert(0, 'first')
        $l.ToArray() | Should -Be 'first', 'a', 'B', 'c', 'd'
        $l.Remove('a')
        $l.RemoveAt(0)
        $l.ToArray() | Should -Be 'B', 'c', 'd'
        $l.Contains('c') | Should -BeTrue
        $l.IndexOf('d') | Should -Be 2
        $l.IndexOf('zzz') | Should -Be -1
        $l[10] | Should -BeNullOrEmpty -Because 'a failing indexer read gives $null, as PowerShell does'
        { $l.RemoveAt(10) } | Should -Throw -ErrorId MpInvalidArgument
        $l.Clear()
        $l.Count | Should -Be 0
    }

    It 'takes its first items from the pipeline, enumerates a snapshot and formats as an array' {
        $l = 1..5 | New-MpList
        $l -is [Multiproc.MpList] | Should -BeTrue
        @($l | ForEach-Object { $_ * 2 }) | Should -Be 2, 4, 6, 8, 10
        ($l | Out-String).Trim() -split '\s+' | Should -Be '1', '2', '3', '4', '5'
        $l.IndexOf([long]3) | Should -Be 2 -Because 'numbers compare by value, as PowerShell compares them'
    }

    It 'collects what several children append' {
        $l = New-MpList
        $workers = 1..3 | Start-MpProcess { $list = $using:l; 1..100 | ForEach-Object { $list.Add("$PID $_") } }
        $workers | Wait-MpProcess -Timeout 300
        $l.Count | Should -Be 300
        ($l.ToArray() | Sort-Object -Unique).Count | Should -Be 300
    }
}

Describe 'New-MpManager and Stop-MpManager' {
    It 'keeps objects in the manager given, and fails their handles with MpObjectGone once it stops, in every process' {
        $m = New-MpManager -Name 'work'
        $m.Name | Should -Be 'work'
        $d = New-MpDictionary @{ k = 1 } -Manager $m
        $l = New-MpList 1, 2 -Manager $m
        Start-MpProcess { param($d, $m) $d['child'] = 1; (New-MpList -Manager $m 'x').Count } -ArgumentList $d, $m -Wait | Should -Be 1
        $d.Count | Should -Be 2
        Stop-MpManager $m
        { $d['k'] = 2 } | Should -Throw -ErrorId MpObjectGone
        { $l.Count } | Should -Throw -ExceptionType ([Multiproc.MpObjectGoneException])
        Start-MpProcess { param($d) try { $d.Count } catch { $_.FullyQualifiedErrorId } } -ArgumentList $d -Wait | Should -Be 'MpObjectGone'
        { New-MpDictionary -Manager $m } | Should -Throw -ErrorId 'MpObjectGone,Multiproc.Commands.NewMpDictionaryCommand'
    }

    It 'names managers MpManager-n by default and takes managers from the pipeline' {
        $m = New-MpManager
        $m.Name | Should -Match '^MpManager-\d+$'
        $l = New-MpList -Manager $m 1
        $m | Stop-MpManager
        { $l.Add(2) } | Should -Throw -ErrorId MpObjectGone
    }

    It 'goes with the child that started it' {
        $p = Start-MpProcess { New-MpDictionary @{ k = 1 } -Manager (New-MpManager) }
        $d = Receive-MpProcess $p -Wait
        Wait-Until { -not (Test-ProcessAlive $p.Id) } -Because 'the child, and its session, to end'
        { $d.Count } | Should -Throw -ErrorId MpObjectGone
    }
}
