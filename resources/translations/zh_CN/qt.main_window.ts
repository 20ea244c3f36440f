<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>MainWindow</name>
    <message>
        <source>gradviz sessions (*.gradviz *.json);;All files (*)</source>
        <translation>gradviz 会话 (*.gradviz *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>工作区</translation>
    </message>
    <message>
        <source>Op palette</source>
        <translation>运算面板</translation>
    </message>
    <message>
        <source>Inspector</source>
        <translation>检查器</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Backward</source>
        <translation>反向传播</translation>
    </message>
    <message>
        <source>Console</source>
        <translation>控制台</translation>
    </message>
    <message>
        <source>Discard unsaved changes?</source>
        <translation>放弃未保存的更改？</translation>
    </message>
    <message>
        <source>This session has changes that are not saved. Discard them?</source>
        <translation>此会话有尚未保存的更改。要放弃这些更改吗？</translation>
    </message>
    <message>
        <source>Run the code in this session?</source>
        <translation>运行此会话中的代码？</translation>
    </message>
    <message>
        <source>{0} contains console code. Running it runs Python on this computer. Run it only if you trust where the file came from.</source>
        <translation>{0} 包含控制台代码。运行它就会在这台计算机上执行 Python。只有在信任该文件来源时才运行。</translation>
    </message>
    <message>
        <source>Run the code</source>
        <translation>运行代码</translation>
    </message>
    <message>
        <source>Open without running</source>
        <translation>打开但不运行</translation>
    </message>
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
        <source>Graph</source>
        <translation>计算图</translation>
    </message>
    <message>
        <source>Ready: create a tensor with Ctrl+N, then apply ops from the palette</source>
        <translation>就绪：按 Ctrl+N 创建张量，再从运算面板应用运算</translation>
    </message>
    <message>
        <source>The computation graph appears here.</source>
        <translation>计算图会显示在这里。</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>training batch loss</source>
        <translation>训练批量的损失</translation>
    </message>
    <message>
        <source>Showing one training batch&apos;s loss graph, grouped by module</source>
        <translation>正在显示一个训练批量的损失计算图，按模块分组</translation>
    </message>
    <message>
        <source>tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>&amp;New tensor…</source>
        <translation>新建张量(&amp;N)…</translation>
    </message>
    <message>
        <source>New &amp;session</source>
        <translation>新建会话(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Open session…</source>
        <translation>打开会话(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save session</source>
        <translation>保存会话(&amp;S)</translation>
    </message>
    <message>
        <source>Save session &amp;as…</source>
        <translation>会话另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Export code…</source>
        <translation>导出代码(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Delete tensor</source>
        <translation>删除张量(&amp;D)</translation>
    </message>
    <message>
        <source>Size &amp;limit…</source>
        <translation>大小上限(&amp;L)…</translation>
    </message>
    <message>
        <source>Open &amp;example session</source>
        <translation>打开示例会话(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;About gradviz</source>
        <translation>关于 gradviz(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;run…</source>
        <translation>打开训练记录(&amp;R)…</translation>
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
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
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
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Lessons</source>
        <translation>课程(&amp;L)</translation>
    </message>
    <message>
        <source>Lesson: {0} — press Enter in the console to run each step</source>
        <translation>课程：{0} — 在控制台中按 Enter 逐步运行</translation>
    </message>
    <message>
        <source>&amp;Undo {0}</source>
        <translation>撤销(&amp;U) {0}</translation>
    </message>
    <message>
        <source>{0} (example, read-only)</source>
        <translation>{0}（示例，只读）</translation>
    </message>
    <message>
        <source>untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>Open session</source>
        <translation>打开会话</translation>
    </message>
    <message>
        <source>The console is still running: wait, or press Stop</source>
        <translation>控制台仍在运行：请稍候，或按“停止”</translation>
    </message>
    <message>
        <source>Could not open: {0}</source>
        <translation>无法打开：{0}</translation>
    </message>
    <message>
        <source>Opened the example {0}; saving makes your own copy</source>
        <translation>已打开示例 {0}；保存时会生成你自己的副本</translation>
    </message>
    <message>
        <source>Save session</source>
        <translation>保存会话</translation>
    </message>
    <message>
        <source>Save a copy of the example (examples are read-only)</source>
        <translation>保存示例的副本（示例是只读的）</translation>
    </message>
    <message>
        <source>Examples are read-only: choose where to save your copy</source>
        <translation>示例是只读的：请选择副本的保存位置</translation>
    </message>
    <message>
        <source>Could not save: {0}</source>
        <translation>无法保存：{0}</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
    <message>
        <source>Export code</source>
        <translation>导出代码</translation>
    </message>
    <message>
        <source>Python (*.py)</source>
        <translation>Python 文件 (*.py)</translation>
    </message>
    <message>
        <source>Could not export code: {0}</source>
        <translation>无法导出代码：{0}</translation>
    </message>
    <message>
        <source>Exported {0}</source>
        <translation>已导出 {0}</translation>
    </message>
    <message>
        <source>Size limit</source>
        <translation>大小上限</translation>
    </message>
    <message>
        <source>Most elements one tensor may have (results over it are refused before they are computed):</source>
        <translation>单个张量最多可以有多少个元素（超出的结果在计算之前就会被拒绝）：</translation>
    </message>
    <message>
        <source>Size limit: {0:,} elements per tensor</source>
        <translation>大小上限：每个张量最多 {0:,} 个元素</translation>
    </message>
    <message>
        <source>Theme: {0} ({1})</source>
        <translation>主题：{0}（{1}）</translation>
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
    <message>
        <source>About gradviz</source>
        <translation>关于 gradviz</translation>
    </message>
    <message>
        <source>&lt;b&gt;gradviz {0}&lt;/b&gt;&lt;p&gt;See PyTorch&apos;s autograd at work: build tensors, apply ops, watch the graph grow, step through backward, train small nets.&lt;/p&gt;</source>
        <translation>&lt;b&gt;gradviz {0}&lt;/b&gt;&lt;p&gt;亲眼看看 PyTorch 的自动微分如何工作：创建张量、应用运算、看着计算图逐步生长、单步执行反向传播、训练小型网络。&lt;/p&gt;</translation>
    </message>
</context>
</TS>
