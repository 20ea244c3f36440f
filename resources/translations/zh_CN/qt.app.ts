<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Launcher</name>
    <message>
        <source>gradviz gui: could not open: {0}</source>
        <translation>gradviz gui：无法打开：{0}</translation>
    </message>
</context>
<context>
    <name>LoadingWindow</name>
    <message>
        <source>loading PyTorch…</source>
        <translation>正在加载 PyTorch…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>工作区</translation>
    </message>
    <message>
        <source>Graph</source>
        <translation>计算图</translation>
    </message>
    <message>
        <source>Backward</source>
        <translation>反向传播</translation>
    </message>
    <message>
        <source>PyTorch could not be loaded:
{0}</source>
        <translation>无法加载 PyTorch：
{0}</translation>
    </message>
    <message>
        <source>PyTorch could not be loaded</source>
        <translation>无法加载 PyTorch</translation>
    </message>
</context>
</TS>
