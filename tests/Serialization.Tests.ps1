BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # Sends a value to a child as an argument; the child sends back what it got.
    function Send-RoundTrip($Value) {
        Start-MpProcess { param($v) , $v } -ArgumentList (, $Value) -Wait
    }
}

AfterAll {
    Remove-AllMpProcess
}

Describe 'Values crossing to a child and back' {
    It 'keeps <Name> with its type' -ForEach @(
        @{ Name = 'int'; Value = 42 }
        @{ Name = 'long'; Value = [long]::MaxValue }
        @{ Name = 'double'; Value = 3.25 }
        @{ Name = 'decimal'; Value = 12.5d }
        @{ Name = 'bool'; Value = $true }
        @{ Name = 'byte'; Value = [byte]7 }
        @{ Name = 'char'; Value = [char]'x' }
        @{ Name = 'string'; Value = 'héllo wörld' }
        @{ Name = 'datetime'; Value = [datetime]::SpecifyKind([datetime]'2026-11-25T04:19:00', 'Utc') }
        @{ Name = 'timespan'; Value = [timespan]::FromSeconds(90) }
        @{ Name = 'guid'; Value = [guid]'5b0f7a52-3c8e-4d47-9a51-2f7d0c6e9a13' }
    ) {
        $back = Send-RoundTrip $Value
        $back | Should -Be $Value
        $back.GetType() | Should -Be $Value.GetType()
    }

    It 'keeps $null' {
        Start-MpProcess { param($v) $null -eq $v } -ArgumentList $null -Wait | Should -BeTrue
    }

    It 'keeps byte arrays whole' {
        $bytes = [byte[]](0..255)
        $back = Send-RoundTrip $bytes
        $back | Should -BeOfType [byte]
        $back.GetType() | Should -Be ([byte[]])
        [Convert]::ToBase64String($back) | Should -Be ([Convert]::ToBase64String($bytes))
    }

    It 'keeps arrays, typed arrays and nesting' {
        $back = Send-RoundTrip @(1, 'two', @(3, 4), [int[]](5, 6))
        $back.GetType() | Should -Be ([object[]])
        $back[0] | Should -Be 1
        $back[1] | Should -Be 'two'
        $back[2] | Should -Be 3, 4
        $back[3].GetType() | Should -Be ([int[]])
    }

    It 'keeps hashtables and ordered dictionaries with their key order' {
        $back = Send-RoundTrip @{ a = 1; nested = @{ b = @(1, 2) } }
        $back | Should -BeOfType [hashtable]
        $back.a | Should -Be 1
        $back.nested.b | Should -Be 1, 2
        $ordered = Send-RoundTrip ([ordered]@{ z = 1; y = 2; x = 3 })
        $ordered | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
        @($ordered.Keys) | Should -Be 'z', 'y', 'x'
    }

    It 'keeps PSCustomObjects with their properties, nesting and type names' {
        $obj = [pscustomobject]@{ Name = 'n'; Inner = [pscustomobject]@{ Count = 2 }; List = 1, 2 }
        $obj.PSTypeNames.Insert(0, 'My.Type')
        $back = Send-RoundTrip $obj
        $back | Should -BeOfType [pscustomobject]
        $back.PSTypeNames[0] | Should -Be 'My.Type'
        $back.Name | Should -Be 'n'
        $back.Inner.Count | Should -Be 2
        $back.List | Should -Be 1, 2
    }

    It 'delivers a scriptblock as a scriptblock' {
        $back = Send-RoundTrip { param($x) $x + 1 }
        $back | Should -BeOfType [scriptblock]
        & $back 1 | Should -Be 2
        Start-MpProcess { param($sb) & $sb 20 } -ArgumentList { param($x) $x * 2 } -Wait | Should -Be 40
    }

    It 'delivers other .NET objects as deserialized property bags, as Start-Job does' {
        $back = Send-RoundTrip ([System.Text.StringBuilder]::new('abc'))
        $back.PSTypeNames[0] | Should -Be 'Deserialized.System.Text.StringBuilder'
        $back.Length | Should -Be 3
    }

    It 'delivers files and directories live, as the file is now, with the provider''s names' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'live') -Force
        Set-Content (Join-Path $dir 'a.txt') 'abc' -NoNewline
        $file = Get-Item (Join-Path $dir 'a.txt')
        $back = Start-MpProcess {
            param($f, $d)
            Add-Content $f.FullName 'def' -NoNewline   # the other side reads the file as it is now
            $f.GetType().FullName, $f.Length, $f.BaseName, $f.PSChildName, $f.PSIsContainer, [bool]$f.UnixMode
            $d.GetType().FullName, $d.GetFiles().Name, $d.PSIsContainer
            $f
        } -ArgumentList $file, $dir -Wait
        $back[0..5] | Should -Be 'System.IO.FileInfo', 6, 'a', 'a.txt', $false, $true
        $back[6..8] | Should -Be 'System.IO.DirectoryInfo', 'a.txt', $true
        $back[9] | Should -BeOfType [System.IO.FileInfo]
        $back[9].PSPath | Should -Be $file.PSPath
        $back[9].UnixMode | Should -Be $file.UnixMode -Because 'the Mode column shows on the side that formats it'
        $back[9].OpenText().ReadToEnd() | Should -Be 'abcdef'
    }

    It 'serializes a file in microseconds, not as a 10 KB property bag (2,000 files, CPU time bounded)' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'many') -Force
        foreach ($i in 1..2000) { [System.IO.File]::WriteAllText((Join-Path $dir "$i.txt"), "$i") }
        $files = Get-ChildItem $dir -File
        $q = New-MpQueue
        $cpu = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
        foreach ($f in $files) { $q.Put($f) }
        $spent = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - $cpu
        $spent.TotalSeconds | Should -BeLessThan 4 -Because 'as CliXml each took ~7 ms (14 s for 2,000)'
        $first = $q.Get(5)
        $first | Should -BeOfType [System.IO.FileInfo]
        $first.FullName | Should -Be $files[0].FullName
    }

    It 'takes the CliXml depth from MpSettings, which refuses depths outside 1 to 100' {
        $endpoint = [Net.IPEndPoint]::new([ipaddress]::Loopback, 80)
        $default = [Multiproc.MpSettings]::SerializationDepth
        try {
            (Send-RoundTrip $endpoint).Address.AddressFamily | Should -Be 'InterNetwork' -Because 'depth 2 keeps its address whole'
            [Multiproc.MpSettings]::SerializationDepth = 1
            (Send-RoundTrip $endpoint).Address | Should -Be '127.0.0.1' -Because 'depth 1 makes it a string'
            { [Multiproc.MpSettings]::SerializationDepth = 0 } | Should -Throw '*between 1 and 100*'
            { [Multiproc.MpSettings]::SerializationDepth = 101 } | Should -Throw '*between 1 and 100*'
            [Multiproc.MpSettings]::SerializationDepth | Should -Be 1
        }
        finally { [Multiproc.MpSettings]::SerializationDepth = $default }
    }

    It 'carries the child''s output of every kind back to the parent' {
        $out = Start-MpProcess { 1; 'two'; @{ three = 3 }; [pscustomobject]@{ four = 4 }; [guid]::Empty } -Wait
        $out[0] | Should -BeOfType [int]
        $out[2].three | Should -Be 3
        $out[3].four | Should -Be 4
        $out[4] | Should -Be ([guid]::Empty)
    }
}

Describe 'Values the wire cannot carry' {
    AfterEach { [Multiproc.MpSettings]::MaxMessageBytes = 1GB }

    It 'fails at the sender with MpSerialization naming the type, and starts nothing' {
        $loop = [object[]]::new(1)
        $loop[0] = $loop
        $before = @(Get-MpProcess).Count
        { Start-MpProcess { } -ArgumentList (, $loop) } | Should -Throw -ErrorId 'MpSerialization,*' -ExpectedMessage '*System.Object`[`]*'
        @(Get-MpProcess).Count | Should -Be $before
    }

    It 'fails with MpSerialization when a message exceeds the size limit, and starts nothing' {
        [Multiproc.MpSettings]::MaxMessageBytes = 64KB
        $before = @(Get-MpProcess).Count
        $err = { Start-MpProcess { } -ArgumentList ('x' * 100KB) } | Should -Throw -ErrorId 'MpSerialization,*' -PassThru
        $err.Exception.Message | Should -BeLike '*System.String*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        @(Get-MpProcess).Count | Should -Be $before
    }

    It 'turns child output that cannot cross into an MpSerialization error and goes on' {
        $out = Start-MpProcess { $a = [object[]]::new(1); $a[0] = $a; , $a; 'after' } -Wait -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -Be 'after'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MpSerialization*'
    }
}
