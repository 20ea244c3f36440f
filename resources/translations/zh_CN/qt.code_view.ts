<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CodeView</name>
    <message>
        <source>Export .py…</source>
        <translation>导出 .py…</translation>
    </message>
    <message>
        <source>Write this code to a runnable .py file (Ctrl+E)</source>
        <translation>把这段代码写入可运行的 .py 文件（Ctrl+E）</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy all of the code to the clipboard</source>
        <translation>把全部代码复制到剪贴板</translation>
    </message>
    <message>
        <source>The session as PyTorch code</source>
        <translation>本会话对应的 PyTorch 代码</translation>
    </message>
    <message>
        <source>Code copied to the clipboard</source>
        <translation>代码已复制到剪贴板</translation>
    </message>
</context>
</TS>
