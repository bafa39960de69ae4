BeforeDiscovery {
    $manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot '../Multiproc.psd1')
    $cmdlets = $manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'The module' {
    It 'exports exactly the cmdlets that exist' {
        $compiled = [Multiproc.Commands.MpCmdlet].Assembly.GetTypes() |
            Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" }
        (Get-Command -Module Multiproc).Name | Sort-Object | Should -Be ($compiled | Sort-Object)
    }

    It 'has a help page in docs/en-US for every cmdlet, and no page without a cmdlet' {
        $pages = (Get-ChildItem (Join-Path $PSScriptRoot '../docs/en-US') -Filter '*-*.md').BaseName
        $pages | Sort-Object | Should -Be ((Get-Command -Module Multiproc).Name | Sort-Object)
    }

    It 'ships the about_Multiproc topic' {
        (Get-Help about_Multiproc | Out-String) | Should -Match 'multiprocessing'
    }

    It 'ships the symbols and the XML docs beside the assembly, whose version is the manifest''s' {
        $module = Get-Module Multiproc
        $assembly = [Multiproc.Commands.MpCmdlet].Assembly
        $folder = Split-Path $assembly.Location
        Join-Path $folder 'Multiproc.pdb' | Should -Exist
        [xml](Get-Content (Join-Path $folder 'Multiproc.xml') -Raw) | Select-Xml '//member[@name="T:Multiproc.MpQueue"]' | Should -Not -BeNullOrEmpty
        $assembly.GetName().Version.ToString(3) | Should -Be $module.Version.ToString(3)
    }
}

Describe 'Get-Help <Name> -Full' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'shows a written synopsis and description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name \["   # not the generated syntax line
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $documented = @($help.parameters.parameter | Where-Object { $_.description.Text })
        foreach ($parameter in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $documented.name | Should -Contain $parameter -Because "-$parameter needs a description"
        }
    }

    It 'has at least two examples with code' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.examples.example) { $example.code | Should -Not -BeNullOrEmpty }
    }
}
