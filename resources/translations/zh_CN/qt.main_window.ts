<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>MainWindow</name>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>GRADVIZ_LANG={0} is set: gradviz starts in that language until it is unset.</source>
        <translation>已设置 GRADVIZ_LANG={0}：在取消该设置之前，gradviz 都以该语言启动。</translation>
    </message>
    <message>
        <source>The interface is already in this language.</source>
        <translation>界面已经是这种语言。</translation>
    </message>
    <message>
        <source>The language changes when gradviz restarts.</source>
        <translation>重启 gradviz 后语言才会切换。</translation>
    </message>
</context>
</TS>
