Attribute VB_Name = "LazarusRibbon"
Option Explicit
' Ribbon callbacks of the Lazarus add-in (addin/excel/ribbon/customUI.xml names them as LazarusRibbon.<Sub>).
' `lazarus addin install` imports this module into lazarus.xlam on Windows; RunPython is the xlwings module's.
' Each Sub only hands over to Python: the logic, the status bar and the message box live in addin/excel/ribbon_actions.py,
' where they are tested. The add-in's "Refresh data" button uses the template's RibbonMyAddin.RunMain instead,
' so it works even before this module is imported.

Sub OnRefreshSheet(control As IRibbonControl)
    RunPython "import addin.excel.ribbon_actions; addin.excel.ribbon_actions.refresh_sheet()"
End Sub

Sub OnExportForColleagues(control As IRibbonControl)
    RunPython "import addin.excel.ribbon_actions; addin.excel.ribbon_actions.export_for_colleagues()"
End Sub

Sub OnOpenLog(control As IRibbonControl)
    RunPython "import addin.excel.ribbon_actions; addin.excel.ribbon_actions.open_log()"
End Sub

Sub OnSettings(control As IRibbonControl)
    RunPython "import addin.excel.ribbon_actions; addin.excel.ribbon_actions.settings()"
End Sub

Sub OnShowHelp(control As IRibbonControl)
    RunPython "import addin.excel.ribbon_actions; addin.excel.ribbon_actions.show_help()"
End Sub
