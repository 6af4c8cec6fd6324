import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Lang = 'ru' | 'en';

const en = {
  'app.title': 'Leadgate console',
  'signin.title': 'Sign in',
  'signin.token': 'Admin or operator token',
  'operator.badge': 'Operator · {owner} · read-only',
  'dlq.maskedOnly': 'Personal data stays masked for operator tokens.',
  'signin.submit': 'Sign in',
  'signin.bad': 'The token was refused',
  'signin.hint': 'The token is admin.token (env LEADGATE_ADMIN_TOKEN); without one, `leadgate start` writes a generated token to <data dir>/admin-token.',
  'signout': 'Sign out',
  'nav.live': 'Live',
  'nav.connectors': 'Connectors',
  'nav.dlq': 'Dead letters',
  'nav.owners': 'Owners and routing',
  'nav.lookup': 'Lead lookup',
  'nav.report': 'Reaction report',
  'live.status.open': 'live',
  'live.status.connecting': 'connecting…',
  'live.status.closed': 'disconnected, reconnecting in {s} s',
  'live.owner': 'Owner',
  'live.allOwners': 'all owners',
  'live.ringing': 'Incoming call',
  'live.unknownCaller': 'unknown caller',
  'live.openLead': 'open lead',
  'live.owner.of': 'owner',
  'live.dismiss': 'Dismiss',
  'live.callbacks': 'Callbacks due',
  'live.noCallbacks': 'No open callback tasks',
  'live.overdue': 'overdue by {t}',
  'live.dueIn': 'due in {t}',
  'live.events': 'Events',
  'live.noEvents': 'Nothing yet: events appear here as they happen',
  'event.call.ringing': 'Call ringing',
  'event.call.missed': 'Missed call',
  'event.callback.created': 'Callback task',
  'event.callback.closed': 'Callback closed',
  'event.lead.created': 'New lead',
  'event.lead.assigned': 'Lead assigned',
  'event.sla.breached': 'SLA breached',
  'common.refresh': 'Refresh',
  'common.loading': 'Loading…',
  'common.error': 'Error',
  'common.none': 'Nothing here',
  'common.prev': '← Previous',
  'common.next': 'Next →',
  'common.show': 'Show',
  'common.hide': 'Hide',
  'common.copy': 'Copy',
  'conn.id': 'Connector',
  'conn.kind': 'Kind',
  'conn.url': 'Webhook URL',
  'conn.health': 'Health',
  'conn.lastEvent': 'Last event',
  'conn.hour': 'Last hour',
  'conn.background': 'webhook only',
  'dlq.title': 'Dead letters',
  'dlq.parked': 'Parked deliveries',
  'dlq.filter.stage': 'Stage',
  'dlq.filter.code': 'Code',
  'dlq.filter.destination': 'Destination',
  'dlq.filter.connector': 'Connector',
  'dlq.filter.since': 'Since',
  'dlq.filter.replayed': 'include replayed',
  'dlq.replay': 'Replay',
  'dlq.replaySelected': 'Replay selected',
  'dlq.replayed': 'Replayed: {n}',
  'dlq.reason': 'Reason',
  'dlq.payload': 'Payload',
  'dlq.masked': 'personal data masked',
  'dlq.unmask': 'Unmask',
  'dlq.resume': 'Resume',
  'dlq.failedAt': 'Failed at',
  'owners.title': 'Owners',
  'owners.available': 'Available',
  'owners.capacity': 'Capacity',
  'owners.open': 'Open leads',
  'owners.hours': 'Within hours',
  'owners.rules': 'Rules, in order',
  'owners.dryRun': 'Dry run: who would get this lead?',
  'owners.channel': 'Channel',
  'owners.utmSource': 'UTM source',
  'owners.phone': 'Phone',
  'owners.run': 'Check',
  'owners.result': '{owner} by rule {rule}',
  'owners.noOwner': 'nobody',
  'lookup.title': 'Lead lookup',
  'lookup.query': 'Phone, e-mail, contact or lead id',
  'lookup.find': 'Find',
  'lookup.contact': 'Contact',
  'lookup.leads': 'Leads',
  'lookup.activities': 'Activities',
  'lookup.merges': 'Merges',
  'lookup.raw': 'Raw events (lineage)',
  'lookup.erase': 'Erase personal data',
  'lookup.eraseConfirm': 'Type ERASE to confirm erasing this contact',
  'lookup.erased': 'Erased',
  'lookup.notFound': 'No contact found',
  'report.title': 'Reaction report',
  'report.from': 'From',
  'report.to': 'To',
  'report.groupBy': 'Group by',
  'report.run': 'Show',
  'report.csv': 'Export CSV',
  'report.group': 'Group',
  'report.leads': 'Leads in',
  'report.duplicates': 'Duplicates absorbed',
  'report.median': 'Median first response',
  'report.p90': 'p90 first response',
  'report.responded': 'Responded',
  'report.overdue': 'Overdue (SLA breached)',
  'report.active': 'With SLA',
  'report.lossRate': 'Losses',
  'report.missed': 'Missed-call tasks',
  'report.missedNotCalledBack': 'Not called back in time',
  'report.total': 'Total',
  'group.day': 'day',
  'group.week': 'week',
  'group.channel': 'channel',
  'group.connector': 'connector',
  'group.utm_source': 'UTM source',
  'group.owner': 'owner',
};

export type MessageKey = keyof typeof en;

const ru: Record<MessageKey, string> = {
  'app.title': 'Консоль Leadgate',
  'signin.title': 'Вход',
  'signin.token': 'Токен администратора или оператора',
  'operator.badge': 'Оператор · {owner} · только чтение',
  'dlq.maskedOnly': 'Для токена оператора персональные данные всегда скрыты.',
  'signin.submit': 'Войти',
  'signin.bad': 'Токен не принят',
  'signin.hint': 'Токен — admin.token (переменная LEADGATE_ADMIN_TOKEN); если его нет, `leadgate start` записывает сгенерированный токен в <каталог данных>/admin-token.',
  'signout': 'Выйти',
  'nav.live': 'Онлайн',
  'nav.connectors': 'Коннекторы',
  'nav.dlq': 'Недоставленные',
  'nav.owners': 'Менеджеры и маршрутизация',
  'nav.lookup': 'Поиск лида',
  'nav.report': 'Отчёт о реакции',
  'live.status.open': 'на связи',
  'live.status.connecting': 'подключение…',
  'live.status.closed': 'нет связи, повтор через {s} с',
  'live.owner': 'Менеджер',
  'live.allOwners': 'все менеджеры',
  'live.ringing': 'Входящий звонок',
  'live.unknownCaller': 'неизвестный номер',
  'live.openLead': 'открытый лид',
  'live.owner.of': 'менеджер',
  'live.dismiss': 'Скрыть',
  'live.callbacks': 'Перезвонить',
  'live.noCallbacks': 'Нет открытых задач на перезвон',
  'live.overdue': 'просрочено на {t}',
  'live.dueIn': 'осталось {t}',
  'live.events': 'События',
  'live.noEvents': 'Пока ничего: события появляются здесь по мере поступления',
  'event.call.ringing': 'Звонок',
  'event.call.missed': 'Пропущенный звонок',
  'event.callback.created': 'Задача перезвонить',
  'event.callback.closed': 'Перезвон выполнен',
  'event.lead.created': 'Новый лид',
  'event.lead.assigned': 'Лид назначен',
  'event.sla.breached': 'Нарушен SLA',
  'common.refresh': 'Обновить',
  'common.loading': 'Загрузка…',
  'common.error': 'Ошибка',
  'common.none': 'Пусто',
  'common.prev': '← Назад',
  'common.next': 'Далее →',
  'common.show': 'Показать',
  'common.hide': 'Скрыть',
  'common.copy': 'Копировать',
  'conn.id': 'Коннектор',
  'conn.kind': 'Тип',
  'conn.url': 'Адрес вебхука',
  'conn.health': 'Состояние',
  'conn.lastEvent': 'Последнее событие',
  'conn.hour': 'За час',
  'conn.background': 'только вебхук',
  'dlq.title': 'Недоставленные записи',
  'dlq.parked': 'Приостановленные доставки',
  'dlq.filter.stage': 'Этап',
  'dlq.filter.code': 'Код',
  'dlq.filter.destination': 'Назначение',
  'dlq.filter.connector': 'Коннектор',
  'dlq.filter.since': 'С',
  'dlq.filter.replayed': 'с повторёнными',
  'dlq.replay': 'Повторить',
  'dlq.replaySelected': 'Повторить выбранные',
  'dlq.replayed': 'Повторено: {n}',
  'dlq.reason': 'Причина',
  'dlq.payload': 'Данные',
  'dlq.masked': 'персональные данные скрыты',
  'dlq.unmask': 'Показать',
  'dlq.resume': 'Возобновить',
  'dlq.failedAt': 'Время ошибки',
  'owners.title': 'Менеджеры',
  'owners.available': 'Доступен',
  'owners.capacity': 'Лимит',
  'owners.open': 'Открытых лидов',
  'owners.hours': 'В рабочее время',
  'owners.rules': 'Правила по порядку',
  'owners.dryRun': 'Проверка: кто получит этот лид?',
  'owners.channel': 'Канал',
  'owners.utmSource': 'UTM source',
  'owners.phone': 'Телефон',
  'owners.run': 'Проверить',
  'owners.result': '{owner} по правилу {rule}',
  'owners.noOwner': 'никто',
  'lookup.title': 'Поиск лида',
  'lookup.query': 'Телефон, e-mail, id контакта или лида',
  'lookup.find': 'Найти',
  'lookup.contact': 'Контакт',
  'lookup.leads': 'Лиды',
  'lookup.activities': 'Обращения',
  'lookup.merges': 'Слияния',
  'lookup.raw': 'Исходные события (происхождение)',
  'lookup.erase': 'Удалить персональные данные',
  'lookup.eraseConfirm': 'Введите ERASE, чтобы подтвердить удаление контакта',
  'lookup.erased': 'Удалено',
  'lookup.notFound': 'Контакт не найден',
  'report.title': 'Отчёт о скорости реакции',
  'report.from': 'С',
  'report.to': 'По',
  'report.groupBy': 'Группировка',
  'report.run': 'Показать',
  'report.csv': 'Выгрузить CSV',
  'report.group': 'Группа',
  'report.leads': 'Лидов',
  'report.duplicates': 'Повторных обращений',
  'report.median': 'Медиана первого ответа',
  'report.p90': 'p90 первого ответа',
  'report.responded': 'С ответом',
  'report.overdue': 'Просрочено (SLA)',
  'report.active': 'С SLA',
  'report.lossRate': 'Потери',
  'report.missed': 'Задач по пропущенным',
  'report.missedNotCalledBack': 'Не перезвонили вовремя',
  'report.total': 'Итого',
  'group.day': 'день',
  'group.week': 'неделя',
  'group.channel': 'канал',
  'group.connector': 'коннектор',
  'group.utm_source': 'UTM source',
  'group.owner': 'менеджер',
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, ru };
const langKey = 'leadgate.console.lang';

/** The saved choice, else Russian when the browser prefers it (its languages mirror Accept-Language). */
export function initialLang(): Lang {
  const saved = localStorage.getItem(langKey);
  if (saved === 'ru' || saved === 'en') return saved;
  const first = (navigator.languages?.[0] ?? navigator.language ?? 'en').toLowerCase();
  return first.startsWith('ru') ? 'ru' : 'en';
}

export function saveLang(lang: Lang): void {
  localStorage.setItem(langKey, lang);
  document.documentElement.lang = lang;
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  return (key, vars) => {
    let text = dictionaries[lang][key];
    for (const [k, v] of Object.entries(vars ?? {})) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  };
}

export const LangContext = createContext<{ lang: Lang; t: Translate }>({ lang: 'en', t: translator('en') });

export function useT(): Translate {
  return useContext(LangContext).t;
}

/** Dates and durations in the chosen language. */
export function formatTime(lang: Lang, iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}
